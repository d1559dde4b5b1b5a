package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

// A spool takes what is written without waiting for its reader, in memory
// and then in a temporary file, and gives it back in order, then the end
// the writer gave it.
func TestSpool(t *testing.T) {
	dir := t.TempDir()
	s := newSpool()
	s.dir = dir
	data := make([]byte, 3*spoolMemory+12345)
	for i := range data {
		data[i] = byte(i * 7 / 5)
	}
	wrote := make(chan error, 1)
	go func() {
		for p := data; len(p) > 0; {
			n := min(len(p), 100_000)
			if _, err := s.Write(p[:n]); err != nil {
				wrote <- err
				return
			}
			p = p[n:]
		}
		s.closeWrite(errors.New("cut"))
		wrote <- nil
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the writes waited for the reader")
	}
	got, err := io.ReadAll(s)
	if err == nil || err.Error() != "cut" {
		t.Errorf("read all: %v, want the writer's error", err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("read %d bytes, want the %d written, in order", len(got), len(data))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Write([]byte("late")); n != 0 || !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("write after Close: %d, %v", n, err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A reader waits for data, gets it as it comes, and io.EOF at a clean
// end; Close stops a reader that waits.
func TestSpoolReaderWaits(t *testing.T) {
	s := newSpool()
	read := make(chan string, 1)
	go func() {
		b, err := io.ReadAll(s)
		if err != nil {
			b = append(b, "error: "+err.Error()...)
		}
		read <- string(b)
	}()
	for _, p := range []string{"one ", "two"} {
		if _, err := s.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	s.closeWrite(nil)
	if got := <-read; got != "one two" {
		t.Errorf("read %q, want %q", got, "one two")
	}

	s = newSpool()
	stopped := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 10))
		stopped <- err
	}()
	_ = s.Close()
	if err := <-stopped; !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("read of a closed spool: %v", err)
	}
}
