//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatedWriter blocks every Write until open is closed, then records it.
// entered, if not nil, is closed by the first Write.
type gatedWriter struct {
	open    chan struct{}
	entered chan struct{}
	once    sync.Once
	mu      sync.Mutex
	b       bytes.Buffer
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	if w.entered != nil {
		w.once.Do(func() { close(w.entered) })
	}
	<-w.open
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *gatedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func noticeText(w io.Writer, n uint64) { fmt.Fprintf(w, "dropped %d\n", n) }

// Records reach the writer whole and in order.
func TestLogQueueKeepsOrder(t *testing.T) {
	w := &gatedWriter{open: make(chan struct{})}
	close(w.open)
	q := newLogQueue(w, 16, noticeText)
	var want strings.Builder
	for i := range 100 {
		line := fmt.Sprintf("record %d\n", i)
		want.WriteString(line)
		if n, err := q.Write([]byte(line)); n != len(line) || err != nil {
			t.Fatalf("Write: %d, %v", n, err)
		}
		if i%10 == 9 { // let the writer catch up now and then: no drop
			waitFor(t, 5*time.Second, "the writer to catch up", func() bool { return strings.HasSuffix(w.String(), line) })
		}
	}
	if !q.Close(5 * time.Second) {
		t.Fatal("Close: not flushed")
	}
	if got := w.String(); got != want.String() {
		t.Errorf("written:\n%s\nwant:\n%s", got, want.String())
	}
}

// A writer that blocks never blocks Write: records beyond the queue are
// dropped, and their count is written where they would have been.
func TestLogQueueNeverBlocks(t *testing.T) {
	w := &gatedWriter{open: make(chan struct{}), entered: make(chan struct{})}
	q := newLogQueue(w, 4, noticeText)
	_, _ = q.Write([]byte("first\n"))
	<-w.entered // the writer holds "first" and is blocked
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			_, _ = fmt.Fprintf(q, "record %d\n", i)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Write blocked behind a blocked writer")
	}
	close(w.open)
	waitFor(t, 5*time.Second, "the queued records", func() bool { return strings.HasSuffix(w.String(), "record 3\n") })
	_, _ = q.Write([]byte("after\n"))
	if !q.Close(5 * time.Second) {
		t.Fatal("Close: not flushed")
	}
	want := "first\nrecord 0\nrecord 1\nrecord 2\nrecord 3\ndropped 96\nafter\n"
	if got := w.String(); got != want {
		t.Errorf("written:\n%s\nwant:\n%s", got, want)
	}
}

// Records dropped after the last one queued are counted at Close.
func TestLogQueueCountsTrailingDrops(t *testing.T) {
	w := &gatedWriter{open: make(chan struct{}), entered: make(chan struct{})}
	q := newLogQueue(w, 1, noticeText)
	_, _ = q.Write([]byte("first\n"))
	<-w.entered
	for i := range 4 {
		_, _ = fmt.Fprintf(q, "record %d\n", i) // record 0 waits, 1-3 are dropped
	}
	close(w.open)
	if !q.Close(5 * time.Second) {
		t.Fatal("Close: not flushed")
	}
	if got, want := w.String(), "first\nrecord 0\ndropped 3\n"; got != want {
		t.Errorf("written:\n%s\nwant:\n%s", got, want)
	}
}

// Close gives up on a writer that stays blocked, and later writes are
// dropped, not a panic.
func TestLogQueueCloseDoesNotHang(t *testing.T) {
	w := &gatedWriter{open: make(chan struct{})}
	q := newLogQueue(w, 4, noticeText)
	_, _ = q.Write([]byte("stuck\n"))
	if q.Close(50 * time.Millisecond) {
		t.Error("Close reported a flush while the writer was blocked")
	}
	if n, err := q.Write([]byte("late\n")); n != 5 || err != nil {
		t.Errorf("Write after Close: %d, %v", n, err)
	}
	close(w.open) // let the goroutine finish
	<-q.done
}

// With records dropped and the writer stuck, Close gives up too: the count
// of the dropped records cannot be queued, and Close must not wait for it
// beyond its bound.
func TestLogQueueCloseWithDropsDoesNotHang(t *testing.T) {
	w := &gatedWriter{open: make(chan struct{}), entered: make(chan struct{})}
	q := newLogQueue(w, 1, noticeText)
	_, _ = q.Write([]byte("stuck\n"))
	<-w.entered
	_, _ = q.Write([]byte("queued\n"))
	_, _ = q.Write([]byte("dropped\n"))
	closed := make(chan bool, 1)
	go func() { closed <- q.Close(50 * time.Millisecond) }()
	select {
	case flushed := <-closed:
		if flushed {
			t.Error("Close reported a flush while the writer was blocked")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with the writer blocked and records dropped")
	}
	close(w.open)
	<-q.done
}

// superd whose stderr nobody reads (a full pipe) goes on answering and
// restarting services: its own log is dropped, not waited for.
func TestSuperdWithUnreadStderr(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() // never read until the end
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"})
	d.prepare = func(cmd *exec.Cmd) { cmd.Stderr, cmd.Stdout = w, w }
	d.start()
	_ = w.Close() // superd holds its own copy
	d.waitRunning("a")
	// Each request logs a debug record, each restart several: together
	// far more than the pipe and the queue hold.
	for i := range 4000 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var err error
		if i%20 == 0 {
			_, err = d.client.Restart(ctx, "a")
		} else {
			_, err = d.client.Status(ctx, "a")
		}
		cancel()
		if err != nil {
			t.Fatalf("request %d with superd's stderr full: %v", i, err)
		}
	}
	// Now read: the queued records come out, then the count of those
	// dropped in between. Once it has (the backlog is written: shutting
	// down earlier, on a loaded machine, could find the queue still full
	// and rightly drop the shutdown's records too), the shutdown's
	// records follow.
	var (
		mu  sync.Mutex
		buf bytes.Buffer
	)
	read := make(chan struct{})
	go func() {
		defer close(read)
		chunk := make([]byte, 64<<10)
		for {
			n, err := r.Read(chunk)
			mu.Lock()
			buf.Write(chunk[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitFor(t, 20*time.Second, "the dropped-records notice", func() bool {
		mu.Lock()
		found := bytes.Contains(buf.Bytes(), []byte("records dropped"))
		mu.Unlock()
		if !found {
			// The notice is queued with the next record that finds room.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _ = d.client.Status(ctx, "a")
		}
		return found
	})
	if err := d.terminate(); err != nil {
		t.Errorf("superd's exit: %v", err)
	}
	<-read
	out := buf.Bytes()
	notice := bytes.Index(out, []byte("records dropped"))
	stopped := bytes.LastIndex(out, []byte("superd stopped"))
	if notice < 0 || stopped < notice {
		t.Errorf("superd's log (%d bytes): want the dropped-records notice, then the shutdown's records; notice at %d, last \"superd stopped\" at %d", len(out), notice, stopped)
	}
}
