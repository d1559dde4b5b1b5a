package logsink

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// inotifyInstances counts this process's inotify descriptors.
func inotifyInstances(t testing.TB) int {
	t.Helper()
	return fdsLinkingTo(t, func(target string) bool { return target == "anon_inode:inotify" })
}

// fdsLinkingTo counts this process's descriptors whose /proc link matches.
func fdsLinkingTo(t testing.TB, match func(target string) bool) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && match(target) {
			n++
		}
	}
	return n
}

// holdsRemoved reports whether this process holds path open although it
// was removed.
func holdsRemoved(t testing.TB, path string) bool {
	return fdsLinkingTo(t, func(target string) bool { return target == path+" (deleted)" }) > 0
}

// Many followers of many files share the one inotify instance of their
// Watcher (Linux allows 128 per user by default, for all of the user's
// programs), each gets its own file's new output, and the instance is gone
// once the last follower is.
func TestFollowersShareOneWatcher(t *testing.T) {
	waitNoTailGoroutines(t)
	const files, perFile = 100, 2 // 200 followers, more than max_user_instances
	w := NewWatcher(nil)
	defer w.Close()
	before := inotifyInstances(t)
	root := t.TempDir()
	paths := make([]string, files)
	var collectors []*collector
	var readers []*TailReader
	for i := range paths {
		paths[i] = filepath.Join(root, fmt.Sprint("svc", i), "stdout.log")
		if i%2 == 0 { // half of them wait for their directory
			mkdirOf(t, paths[i])
			appendFile(t, paths[i], "old\n")
		}
		for range perFile {
			r, err := Tail(t.Context(), paths[i], TailOptions{Lines: 0, Follow: true, Watcher: w})
			if err != nil {
				t.Fatalf("follower %d of %s: %v", len(collectors), paths[i], err)
			}
			readers = append(readers, r)
			collectors = append(collectors, collect(t, r))
		}
	}
	if got := inotifyInstances(t) - before; got != 1 {
		t.Errorf("%d followers use %d inotify instances, want 1", len(collectors), got)
	}
	for i, p := range paths {
		mkdirOf(t, p)
		appendFile(t, p, fmt.Sprintf("new %d\n", i))
	}
	for j, c := range collectors {
		c.expect(t, fmt.Appendf(nil, "new %d\n", j/perFile))
	}
	for _, c := range collectors {
		c.mu.Lock()
		err := c.err
		c.mu.Unlock()
		if err != nil {
			t.Fatalf("a follower failed: %v", err)
		}
	}
	for _, r := range readers {
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := inotifyInstances(t) - before; got != 0 {
		t.Errorf("%d inotify instances left after the last follower, want 0", got)
	}
	waitNoTailGoroutines(t)
}

// The Watcher's instance and goroutine go with the last follower, and come
// back with the next one.
func TestWatcherStartsAndStopsWithItsFollowers(t *testing.T) {
	waitNoTailGoroutines(t)
	before := inotifyInstances(t)
	w := NewWatcher(nil)
	defer w.Close()
	path := writeFile(t, []byte("x\n"))
	for round := range 3 {
		var rs []*TailReader
		for range 3 {
			r, err := Tail(t.Context(), path, TailOptions{Lines: 1, Follow: true, Watcher: w})
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		if got := inotifyInstances(t) - before; got != 1 {
			t.Errorf("round %d: %d inotify instances for 3 followers, want 1", round, got)
		}
		for _, r := range rs {
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if got := inotifyInstances(t) - before; got != 0 {
			t.Errorf("round %d: %d inotify instances left after the last follower, want 0", round, got)
		}
		waitNoTailGoroutines(t)
	}
}

// Close ends the followers of a Watcher (io.EOF, as at shutdown), and
// later followers fail at once.
func TestWatcherCloseEndsFollowers(t *testing.T) {
	waitNoTailGoroutines(t)
	w := NewWatcher(nil)
	path := writeFile(t, []byte("x\n"))
	c1 := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: 1, Follow: true, Watcher: w}))
	c2 := collect(t, openTail(t, t.Context(), filepath.Join(t.TempDir(), "none", "stdout.log"), TailOptions{Follow: true, Watcher: w}))
	c1.expect(t, []byte("x\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*collector{c1, c2} {
		if err := c.end(t); err != io.EOF {
			t.Errorf("Read after the Watcher's Close: %v, want EOF", err)
		}
	}
	if _, err := Tail(t.Context(), path, TailOptions{Follow: true, Watcher: w}); err == nil {
		t.Error("Tail with a closed Watcher succeeded")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// The errors of a user out of inotify instances or watches say so, rather
// than only "too many open files" or "no space left on device".
func TestWatchErrorNamesTheLimit(t *testing.T) {
	for errno, want := range map[syscall.Errno]string{
		syscall.EMFILE: "fs.inotify.max_user_instances",
		syscall.ENOSPC: "fs.inotify.max_user_watches",
	} {
		err := watchError("start a file watcher", fmt.Errorf("couldn't initialize inotify: %w", errno))
		if !strings.Contains(err.Error(), want) || !errors.Is(err, errno) {
			t.Errorf("watchError(%v) = %v, want it to wrap it and name %s", errno, err, want)
		}
	}
}

// A follower that stops reading (a client that does not read its answer, a
// suspended supers logs -f) does not keep a removed log file open, which
// would keep its disk space from being freed. Once it reads again it goes
// on where it stopped in the file's compressed copy if there is one, else
// with the next file, without what it had not read of the removed one.
func TestStalledFollowerReleasesRemovedFile(t *testing.T) {
	old := strings.Repeat("old line\n", 1000)
	newer := strings.Repeat("newer\n", 100)
	const skip = 100 // what the follower reads before it stalls
	for _, tc := range []struct {
		name       string
		compressed bool // the rotated file is compressed before its plain form is removed
		again      bool // then rotated again, and the first compressed file removed too
		want       string
	}{
		// What it read ends in the middle of a line ("o"): a skip ends it.
		{name: "removed", want: "\nnew\n"},
		{name: "compressed", compressed: true, want: old[skip:] + "new\n"},
		{name: "compressed and removed", compressed: true, again: true, want: "\n" + newer + "newest\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, nil)
			appendFile(t, path, old)
			r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true})
			if _, err := io.ReadFull(r, make([]byte, skip)); err != nil {
				t.Fatal(err)
			}
			// Rotated while the follower does not read, then removed (by
			// retention, or once compressed).
			stamp := time.Now().UTC()
			rotated := rotateTo(t, path, stamp)
			appendFile(t, path, "new\n")
			if tc.compressed {
				gzipFile(t, rotated)
			}
			if err := os.Remove(rotated); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the follower to close the removed file", func() bool { return !holdsRemoved(t, rotated) })
			if tc.again {
				if err := os.Truncate(path, 0); err != nil { // its content is not what is tested
					t.Fatal(err)
				}
				appendFile(t, path, newer)
				second := rotateTo(t, path, stamp.Add(time.Second))
				gzipFile(t, second)
				if err := os.Remove(second); err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(rotated + compressSuffix); err != nil {
					t.Fatal(err)
				}
				appendFile(t, path, "newest\n")
			}

			c := collect(t, r)
			c.expect(t, []byte(tc.want))
		})
	}
}

// rotateTo renames the log file at path to its rotated name for stamp, and
// returns that name.
func rotateTo(t testing.TB, path string, stamp time.Time) string {
	t.Helper()
	rotated := filepath.Join(filepath.Dir(path), newBackupNaming(path).name(stamp.Format(backupTimeFormat), false))
	mustRename(t, path, rotated)
	return rotated
}

// mkdirOf creates the directory of path.
func mkdirOf(t testing.TB, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
}

// gzipFile writes path.gz, as the Sink's compressor does, leaving path.
func gzipFile(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path + compressSuffix)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Followers sharing a Watcher follow their files through the removal of
// their common parent directory, as each file reappears.
func TestFollowersShareWatchesOfRemovedDirectories(t *testing.T) {
	w := NewWatcher(nil)
	defer w.Close()
	root := filepath.Join(t.TempDir(), "logs")
	a, b := filepath.Join(root, "a", "stdout.log"), filepath.Join(root, "b", "stdout.log")
	mkdirOf(t, a)
	mkdirOf(t, b)
	appendFile(t, a, "a1\n")
	appendFile(t, b, "b1\n")
	ca := collect(t, openTail(t, t.Context(), a, TailOptions{Lines: -1, Follow: true, Watcher: w}))
	cb := collect(t, openTail(t, t.Context(), b, TailOptions{Lines: -1, Follow: true, Watcher: w}))
	ca.expect(t, []byte("a1\n"))
	cb.expect(t, []byte("b1\n"))
	wantA, wantB := "a1\n", "b1\n"
	for round := range 3 {
		if err := os.RemoveAll(root); err != nil {
			t.Fatal(err)
		}
		mkdirOf(t, a)
		line := fmt.Sprintf("a%d\n", round+2)
		appendFile(t, a, line)
		wantA += line
		ca.expect(t, []byte(wantA))
		mkdirOf(t, b)
		line = fmt.Sprintf("b%d\n", round+2)
		appendFile(t, b, line)
		wantB += line
		cb.expect(t, []byte(wantB))
	}
}

// A follower that stalls while a Sink rotates its log again and again, and
// removes the rotated files beyond MaxBackups (compressed or not), keeps
// none of them open; once it reads again it gets what is still kept, from
// the start of the oldest file kept.
func TestStalledFollowerOfSinkKeepsNoRemovedFile(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			const maxBackups = 2
			s := openSink(t, Options{MaxSize: 64 << 10, MaxBackups: maxBackups, Compress: compress})
			dir := filepath.Dir(s.Path(Stdout))
			stdout, _ := pipes(t, s)
			first := []byte(strings.Repeat("first\n", 1000))
			mustWrite(t, stdout, first)
			waitWritten(t, s, Stdout, uint64(len(first)))
			r := openTail(t, t.Context(), s.Path(Stdout), TailOptions{Lines: -1, Follow: true, Watcher: NewWatcher(nil)})
			if _, err := io.ReadFull(r, make([]byte, 10)); err != nil {
				t.Fatal(err)
			}
			// All of it written while the follower stalls: a write once it
			// reads again could rotate the file it reads away under it,
			// which it would rightly skip.
			last := []byte("last\n")
			data := slices.Concat(randomBytes(12, 1<<20), last)
			mustWrite(t, stdout, data)
			waitWritten(t, s, Stdout, uint64(len(first)+len(data)))
			// The rotated files beyond MaxBackups are removed, and the
			// others compressed, by a goroutine of their own.
			waitFor(t, "the rotated files to be trimmed", func() bool {
				names := backups(t, dir, Stdout)
				if len(names) != maxBackups {
					return false
				}
				for _, n := range names {
					if compress != strings.HasSuffix(n, compressSuffix) {
						return false
					}
				}
				return true
			})
			removedHeld := func() int {
				return fdsLinkingTo(t, func(target string) bool {
					return strings.HasPrefix(target, dir+string(os.PathSeparator)) && strings.HasSuffix(target, " (deleted)")
				})
			}
			waitFor(t, "no removed log file held open", func() bool { return removedHeld() == 0 })

			// It goes on with the oldest file kept, from its start, having
			// skipped what was removed, and ended the line it had read in
			// part ("firs").
			kept := readLogs(t, dir, Stdout)
			c := collect(t, r)
			waitFor(t, "the follower to read the last line", func() bool { return bytes.HasSuffix(c.bytes(), last) })
			all := slices.Concat(first[10:], data)
			if got := c.bytes(); !bytes.HasPrefix(got, []byte("\n")) || !bytes.HasSuffix(all, got[1:]) || !bytes.Equal(got[1:], kept) {
				t.Errorf("the follower read %d bytes of the %d written since it stalled, want the %d the Sink still keeps (at most %d)", len(got), len(all), len(kept), (maxBackups+1)*(64<<10))
			}
		})
	}
}
