package logsink

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestCloseWithWriteEndHeldOpen(t *testing.T) {
	before := sinkGoroutines()
	s := openSink(t, Options{RotateEvery: time.Hour})

	// A first process, gone: its readers end at EOF.
	o1, e1, err := s.Pipes()
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, o1, []byte("gen1\n"))
	_ = o1.Close()
	_ = e1.Close()
	waitWritten(t, s, Stdout, 5)

	// A second one whose stdout is still held open, as by a grandchild.
	o2, e2 := pipes(t, s)
	_ = e2.Close()
	mustWrite(t, o2, []byte("gen2\n"))
	waitWritten(t, s, Stdout, 10)
	waitFor(t, "two writers and one reader", func() bool { return sinkGoroutines() == before+3 })

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on a pipe held open")
	}
	// Close waited for its goroutines, which may still be unwinding.
	waitFor(t, "the sink's goroutines to exit", func() bool { return sinkGoroutines() == before })

	if _, err := o2.Write([]byte("late\n")); err == nil {
		t.Error("writing to a closed sink's pipe succeeded")
	}
	if got, err := os.ReadFile(s.Path(Stdout)); err != nil || string(got) != "gen1\ngen2\n" {
		t.Errorf("stdout.log = %q (%v)", got, err)
	}
	if _, _, err := s.Pipes(); !errors.Is(err, ErrClosed) {
		t.Errorf("Pipes after Close: %v, want ErrClosed", err)
	}
	if err := s.Rotate(); !errors.Is(err, ErrClosed) {
		t.Errorf("Rotate after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
