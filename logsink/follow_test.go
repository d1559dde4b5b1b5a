//go:build unix

// Following relies on POSIX file semantics: an open file can be renamed,
// removed and truncated.

package logsink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// collector reads a TailReader in its own goroutine, as an HTTP handler
// would, until Read fails.
type collector struct {
	mu   sync.Mutex
	got  []byte
	err  error         // Read's final error
	done chan struct{} // closed when the goroutine has returned
}

// collect starts reading r. The test closes r and waits for the goroutine at
// its end.
func collect(t testing.TB, r *TailReader) *collector {
	t.Helper()
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			c.mu.Lock()
			c.got = append(c.got, buf[:n]...)
			c.err = err
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = r.Close()
		<-c.done
	})
	return c
}

func (c *collector) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.got)
}

// expect waits until the collector has at least len(want) bytes, then
// checks that it has exactly want.
func (c *collector) expect(t testing.TB, want []byte) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d bytes followed", len(want)), func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.got) >= len(want) || c.err != nil
	})
	if got := c.bytes(); !bytes.Equal(got, want) {
		if len(got)+len(want) < 200 {
			t.Fatalf("followed %q, want %q", got, want)
		}
		t.Fatalf("followed %d bytes, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
	}
}

// end waits for the collector's goroutine to return and returns Read's
// final error.
func (c *collector) end(t testing.TB) error {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not return")
	}
	return c.err
}

// tailGoroutines counts the goroutines of TailReaders, of Watchers and of
// fsnotify.
func tailGoroutines() int {
	return goroutinesIn("logsink.(*TailReader)", "logsink.(*Watcher)", "fsnotify")
}

// goroutinesIn counts the goroutines whose stack mentions any of funcs.
func goroutinesIn(funcs ...string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		for _, f := range funcs {
			if strings.Contains(g, f) {
				count++
				break
			}
		}
	}
	return count
}

// waitNoTailGoroutines fails unless every goroutine of a TailReader or of
// fsnotify exits soon. Tests close their readers by the time they end, so
// outside of a test there is none but those still returning.
func waitNoTailGoroutines(t testing.TB) {
	t.Helper()
	waitFor(t, "the followers' goroutines to exit", func() bool { return tailGoroutines() == 0 })
}

// waitCompressed waits until lumberjack has compressed every rotated stdout
// file in dir, so that it no longer writes to dir.
func waitCompressed(t testing.TB, dir string) {
	t.Helper()
	waitFor(t, "every rotated file compressed", func() bool {
		for _, n := range backups(t, dir, Stdout) {
			if !strings.HasSuffix(n, compressSuffix) {
				return false
			}
		}
		return true
	})
}

func appendFile(t testing.TB, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
}

func mustRename(t testing.TB, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func TestFollowAppends(t *testing.T) {
	waitNoTailGoroutines(t)
	path := writeFile(t, []byte("a\nb\nc\n"))
	r := openTail(t, t.Context(), path, TailOptions{Lines: 2, Follow: true})
	c := collect(t, r)
	c.expect(t, []byte("b\nc\n"))
	appendFile(t, path, "d")
	c.expect(t, []byte("b\nc\nd"))
	appendFile(t, path, "\ne\n")
	c.expect(t, []byte("b\nc\nd\ne\n"))
	bin := randomBytes(3, 300<<10)
	appendFile(t, path, string(bin))
	c.expect(t, append([]byte("b\nc\nd\ne\n"), bin...))

	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.end(t); err != io.EOF {
		t.Errorf("Read after Close: %v, want EOF", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read after Close = %d, %v; want 0, EOF", n, err)
	}
	waitNoTailGoroutines(t)
}

// With Lines 0 only what is written after Tail is read.
func TestFollowOnlyNewOutput(t *testing.T) {
	path := writeFile(t, []byte("old 1\nold 2"))
	c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: 0, Follow: true}))
	appendFile(t, path, "\nnew\n")
	c.expect(t, []byte("\nnew\n"))
}

// What a Sink writes through several rotations arrives whole, once, in
// order, while the follower keeps up.
func TestFollowSinkRotations(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			s := openSink(t, Options{MaxSize: 64 << 10, Compress: compress})
			stdout, _ := pipes(t, s)
			c := collect(t, openTail(t, t.Context(), s.Path(Stdout), TailOptions{Lines: -1, Follow: true}))

			data := randomBytes(9, 1<<20)
			for rest, i := data, 0; len(rest) > 0; i++ {
				n := min(len(rest), 1+(i*7919)%(40<<10)) // irregular write sizes
				mustWrite(t, stdout, rest[:n])
				rest = rest[n:]
			}
			c.expect(t, data)
			dir := filepath.Dir(s.Path(Stdout))
			if n := len(backups(t, dir, Stdout)); n < 10 {
				t.Errorf("%d rotations, want at least 10", n)
			}
			if compress {
				waitCompressed(t, dir)
			}
		})
	}
}

// A reader that does not read while the file is rotated again and again
// reads the rotated files, compressed or not, before the live one.
func TestFollowSlowReaderReadsRotatedFiles(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			s := openSink(t, Options{MaxSize: 50 << 10, Compress: compress})
			dir := filepath.Dir(s.Path(Stdout))
			stdout, _ := pipes(t, s)
			first := []byte("before Tail 1\nbefore Tail 2\n")
			mustWrite(t, stdout, first)
			waitWritten(t, s, Stdout, uint64(len(first)))
			r := openTail(t, t.Context(), s.Path(Stdout), TailOptions{Lines: 1, Follow: true})

			data := randomBytes(10, 1<<20)
			mustWrite(t, stdout, data)
			waitWritten(t, s, Stdout, uint64(len(first)+len(data)))
			if compress {
				waitCompressed(t, dir)
			}
			if n := len(backups(t, dir, Stdout)); n < 15 {
				t.Errorf("%d rotations, want at least 15", n)
			}

			want := append([]byte("before Tail 2\n"), data...)
			c := collect(t, r)
			c.expect(t, want)
			more := []byte("after\n")
			mustWrite(t, stdout, more)
			c.expect(t, append(want, more...))
		})
	}
}

// The old file is read to its end before the new one, also what was written
// to it after the rename.
func TestFollowRenameAndCreate(t *testing.T) {
	path := writeFile(t, nil)
	old, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true})
	mustWrite(t, old, []byte("one\n"))
	mustRename(t, path, path+".1")
	mustWrite(t, old, []byte("two\n"))
	appendFile(t, path, "three\n")

	c := collect(t, r)
	c.expect(t, []byte("one\ntwo\nthree\n"))
	mustRename(t, path, path+".2")
	c.expect(t, []byte("one\ntwo\nthree\n"))
	appendFile(t, path, "four\n")
	c.expect(t, []byte("one\ntwo\nthree\nfour\n"))
}

func TestFollowTruncation(t *testing.T) {
	path := writeFile(t, []byte("aaaa\nbbbb\n"))
	c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true}))
	c.expect(t, []byte("aaaa\nbbbb\n"))
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "c\n")
	c.expect(t, []byte("aaaa\nbbbb\nc\n"))
	appendFile(t, path, "d\n")
	c.expect(t, []byte("aaaa\nbbbb\nc\nd\n"))
}

// A Sink whose write failed after writing part of a line cuts that piece
// back (cutPartialLine): a follower that read the piece goes on from the
// cut, ending the line it sent in part, and does not read the file again.
func TestFollowPartialLineCutBack(t *testing.T) {
	for _, lines := range []int{-1, 2, 0} {
		t.Run(fmt.Sprint(lines), func(t *testing.T) {
			old := "line 1\nline 2\nline 3\nline 4\nline 5\n"
			path := writeFile(t, []byte(old))
			c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: lines, Follow: true}))
			want := string(lastLines([]byte(old), lines))
			c.expect(t, []byte(want))
			appendFile(t, path, "a piece of line 6")
			want += "a piece of line 6"
			c.expect(t, []byte(want))
			if err := os.Truncate(path, int64(len(old))); err != nil {
				t.Fatal(err)
			}
			want += "\n"
			c.expect(t, []byte(want))
			appendFile(t, path, "line 7\n")
			want += "line 7\n"
			c.expect(t, []byte(want))
			// A whole line cut back: nothing to end.
			appendFile(t, path, "line 8\nline 9 in part")
			want += "line 8\nline 9 in part"
			c.expect(t, []byte(want))
			if err := os.Truncate(path, int64(len(old)+len("line 7\nline 8\n"))); err != nil {
				t.Fatal(err)
			}
			want += "\n"
			c.expect(t, []byte(want))
			appendFile(t, path, "line 10\n")
			want += "line 10\n"
			c.expect(t, []byte(want))
		})
	}
}

// A file emptied and written again before the follower looks is read from
// its start, though it is not much shorter than the offset read up to: its
// content is not what was read there.
func TestFollowTruncatedAndRewritten(t *testing.T) {
	path := writeFile(t, []byte("aaaa\nbbbb\n"))
	c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true}))
	c.expect(t, []byte("aaaa\nbbbb\n"))
	if err := os.WriteFile(path, []byte("xy\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.expect(t, []byte("aaaa\nbbbb\nxy\n"))
	appendFile(t, path, "z\n")
	c.expect(t, []byte("aaaa\nbbbb\nxy\nz\n"))
}

// Following waits for the file, and its directories, to appear, and for
// them to reappear after they were removed.
func TestFollowMissingDirectory(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "logs", "svc")
	path := filepath.Join(dir, "stdout.log")
	c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: 10, Follow: true}))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "hello\n")
	c.expect(t, []byte("hello\n"))

	if err := os.RemoveAll(filepath.Join(root, "logs")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "again\n")
	c.expect(t, []byte("hello\nagain\n"))
	appendFile(t, path, "more\n")
	c.expect(t, []byte("hello\nagain\nmore\n"))
}

func TestFollowEndsWithTheContext(t *testing.T) {
	waitNoTailGoroutines(t)
	path := writeFile(t, []byte("x\n"))
	ctx, cancel := context.WithCancel(t.Context())
	c := collect(t, openTail(t, ctx, path, TailOptions{Lines: -1, Follow: true}))
	c.expect(t, []byte("x\n"))
	cancel()
	if err := c.end(t); err != io.EOF {
		t.Errorf("Read after the context ended: %v, want EOF", err)
	}
	waitNoTailGoroutines(t)
}

func TestFollowCloseUnblocksRead(t *testing.T) {
	waitNoTailGoroutines(t)
	r := openTail(t, t.Context(), filepath.Join(t.TempDir(), "stdout.log"), TailOptions{Lines: -1, Follow: true})
	c := collect(t, r)
	waitFor(t, "Read to wait", func() bool { return goroutinesIn("logsink.(*TailReader).wait(") == 1 })
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.end(t); err != io.EOF {
		t.Errorf("Read after Close: %v, want EOF", err)
	}
	if got := c.bytes(); len(got) != 0 {
		t.Errorf("read %q from a missing file", got)
	}
	waitNoTailGoroutines(t)
}

// Many followers opened and closed leave nothing behind.
func TestFollowLeavesNoGoroutines(t *testing.T) {
	waitNoTailGoroutines(t)
	path := writeFile(t, []byte("x\n"))
	for range 20 {
		r, err := Tail(t.Context(), path, TailOptions{Lines: 1, Follow: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(io.LimitReader(r, 2)); err != nil || string(got) != "x\n" {
			t.Fatalf("read %q, %v", got, err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitNoTailGoroutines(t)
}

// A symlink is never read through; following waits until a regular file
// replaces it.
func TestTailRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "stdout.log")
	if err := os.Symlink(secret, path); err != nil {
		t.Fatal(err)
	}
	if _, err := Tail(t.Context(), path, TailOptions{Lines: -1}); !errors.Is(err, ErrUnsafeFile) {
		t.Errorf("Tail of a symlink: %v, want ErrUnsafeFile", err)
	}
	c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true}))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "regular\n")
	c.expect(t, []byte("regular\n"))
}

// A FIFO at the path must not block Tail.
func TestFollowNamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stdout.log")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true}))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "regular\n")
	c.expect(t, []byte("regular\n"))
}
