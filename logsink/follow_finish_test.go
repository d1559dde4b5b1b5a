//go:build unix

package logsink

import (
	"fmt"
	"io"
	"path/filepath"
	"testing"
)

// A follower whose Finish is closed reads what the log holds, across the
// rotations it has not read yet, then ends: also when its Watcher is
// closed right after, as superd does at shutdown. Without Finish, the
// follower would end at once, what it had not read lost.
func TestFollowFinishReadsToTheEnd(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			s := openSink(t, Options{MaxSize: 64 << 10, Compress: compress})
			dir := filepath.Dir(s.Path(Stdout))
			stdout, _ := pipes(t, s)
			w := NewWatcher(nil)
			finish := make(chan struct{})
			r := openTail(t, t.Context(), s.Path(Stdout), TailOptions{Lines: -1, Follow: true, Watcher: w, Finish: finish})

			data := randomBytes(12, 1<<20)
			mustWrite(t, stdout, data)
			waitWritten(t, s, Stdout, uint64(len(data)))
			if compress {
				waitCompressed(t, dir)
			}
			if n := len(backups(t, dir, Stdout)); n < 10 {
				t.Errorf("%d rotations, want at least 10", n)
			}
			close(finish)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			c := collect(t, r)
			if err := c.end(t); err != io.EOF {
				t.Fatalf("Read's end: %v, want EOF", err)
			}
			c.expect(t, data)
		})
	}
}

// A follower waiting for output when Finish is closed reads what came
// meanwhile and ends; it reads nothing written later.
func TestFollowFinishWhileWaiting(t *testing.T) {
	path := writeFile(t, []byte("a\n"))
	finish := make(chan struct{})
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true, Finish: finish})
	c := collect(t, r)
	c.expect(t, []byte("a\n"))
	appendFile(t, path, "b\n")
	close(finish)
	if err := c.end(t); err != io.EOF {
		t.Fatalf("Read's end: %v, want EOF", err)
	}
	appendFile(t, path, "c\n")
	if got := string(c.bytes()); got != "a\nb\n" {
		t.Fatalf("followed %q, want \"a\\nb\\n\"", got)
	}
	if n, err := r.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read after the end = %d, %v; want 0, EOF", n, err)
	}
}

// A follower whose Watcher is closed before Finish ends at once, as
// without Finish: the Watcher's owner ended it.
func TestFollowWatcherClosedBeforeFinish(t *testing.T) {
	path := writeFile(t, []byte("a\n"))
	w := NewWatcher(nil)
	finish := make(chan struct{})
	r := openTail(t, t.Context(), path, TailOptions{Lines: 0, Follow: true, Watcher: w, Finish: finish})
	c := collect(t, r)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.end(t); err != io.EOF {
		t.Fatalf("Read's end: %v, want EOF", err)
	}
	close(finish)
	if got := c.bytes(); len(got) != 0 {
		t.Fatalf("followed %q, want nothing", got)
	}
}
