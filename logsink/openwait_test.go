package logsink

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openHung returns, in a new directory, a Sink whose stdout writer is stuck
// in a write (a hung disk) and whose Close has been called and hangs
// behind it, and the gate that lets the write through.
func openHung(t *testing.T, p *Poller) (dir string, old *Sink, g *gate) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "svc")
	g = newGate()
	old = openWrapped(t, Options{Dir: dir, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open) // before old's Close, which waits for it
	stdout, stderr := pipes(t, old)
	mustWrite(t, stdout, []byte("old\n"))
	_ = stdout.Close()
	_ = stderr.Close()
	<-g.entered
	go func() { _ = old.Close() }()
	return dir, old, g
}

// A service's new Sink (a reload changed its definition) must not wait for
// its old one to be closed when the disk hangs: Open returns within
// OpenWait, and output is queued meanwhile. It writes nothing before the
// old Sink is closed, then all of it, after the old Sink's output.
func TestOpenWaitsForAfterAtMostOpenWait(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		dir, old, g := openHung(t, p)
		start := time.Now()
		s := openSink(t, Options{Dir: dir, Poller: p, OpenWait: 50 * time.Millisecond, After: old})
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("Open took %s behind a hung Close, OpenWait 50ms", took)
		}
		select {
		case <-s.Ready():
			t.Fatal("Ready before the previous Sink is closed")
		default:
		}
		stdout, stderr := pipes(t, s)
		mustWrite(t, stdout, []byte("new\n"))
		_ = stdout.Close()
		_ = stderr.Close()
		waitFor(t, "the new output queued", func() bool { return s.streams[Stdout].q().pendingBytes() == 4 })
		if got := s.Stats().Stdout.BytesWritten; got != 0 {
			t.Fatalf("%d bytes written before the previous Sink is closed", got)
		}

		g.open() // the disk thaws
		select {
		case <-s.Ready():
		case <-time.After(10 * time.Second):
			t.Fatal("not Ready 10s after the previous Sink could close")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if got := string(readLogs(t, dir, Stdout)); got != "old\nnew\n" {
			t.Errorf("stdout.log holds %q, want %q", got, "old\nnew\n")
		}
	})
}

// What would make Open fail, met after OpenWait passed, is reported
// through OnError instead, and the output is dropped and counted: nothing
// is written to a directory that other users could change.
func TestOpenWaitReportsLateFailure(t *testing.T) {
	dir, old, g := openHung(t, nil)
	var errs errorLog
	s := openSink(t, Options{Dir: dir, OpenWait: time.Millisecond, After: old, OnError: errs.onError})
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("new\n"))
	_ = stdout.Close()
	_ = stderr.Close()
	if err := os.Chmod(dir, 0o757); err != nil {
		t.Fatal(err)
	}
	g.open()
	<-s.Ready()
	unsafe := func(err error) bool { return strings.Contains(err.Error(), "can be written by other users") }
	waitFor(t, "the unsafe directory reported", func() bool { return errs.has(Stdout, unsafe) && errs.has(Stderr, unsafe) })
	waitFor(t, "the output dropped", func() bool { return s.Stats().Stdout.BytesDropped == 4 })
	if got := s.Stats().Stdout.BytesWritten; got != 0 {
		t.Errorf("%d bytes written into an unsafe directory", got)
	}
}

// Within OpenWait, Open fails as it does without it.
func TestOpenWaitFailsInTime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.Mkdir(dir, 0o757); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o757); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Dir: dir, OpenWait: time.Minute})
	if err == nil {
		_ = s.Close()
		t.Fatal("Open accepted a directory that other users can change")
	}
}

// An Open that waits for a place among the Preparers (the others are stuck
// on a hung disk) returns within OpenWait all the same, and prepares once
// there is one.
func TestOpenWaitForPreparers(t *testing.T) {
	p := NewPreparers(1)
	p.enter() // taken by a stuck Open
	s := openSink(t, Options{OpenWait: 10 * time.Millisecond, Preparers: p})
	select {
	case <-s.Ready():
		t.Fatal("prepared without a place")
	default:
	}
	p.leave()
	select {
	case <-s.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("not prepared 10s after a place was free")
	}
	if _, err := os.Lstat(s.Path(Stdout)); err != nil {
		t.Error(err)
	}
}
