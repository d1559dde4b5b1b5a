//go:build linux

package actors

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/config"
)

// watches returns the number of watches in d's inotify instance: the
// kernel lists one "inotify wd:" line for each in the fdinfo of the
// instance's descriptor.
func watches(t *testing.T, d *dirChanges) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(d.fd))
	if err != nil {
		t.Skipf("no fdinfo to count the watches: %v", err)
	}
	n := 0
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "inotify wd:") {
			n++
		}
	}
	return n
}

// mustLink makes a hard link, or skips the test if the two paths are on
// two file systems.
func mustLink(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Link(from, to); errors.Is(err, syscall.EXDEV) {
		t.Skipf("temporary dirs on two file systems: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
}

// A file that is not trusted (a symlink, one with another link, a missing
// one) is stat'ed at each query: it gets no watch of its own, which would
// only hold its inode and count against fs.inotify.max_user_watches.
func TestDirChangesWatchesOnlyTrustedFiles(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	d := newTestDirChanges(t, dir)
	plain := filepath.Join(dir, "plain.service")
	mustWriteFile(t, plain, "x\n")
	hard := filepath.Join(dir, "hard.service")
	mustWriteFile(t, hard, "x\n")
	mustLink(t, hard, filepath.Join(other, "hard.service"))
	want := map[string]bool{plain: true, hard: false, filepath.Join(dir, "missing.service"): false}
	for i := range 5 {
		target := filepath.Join(other, fmt.Sprintf("s%d.service", i))
		mustWriteFile(t, target, "x\n")
		link := filepath.Join(dir, fmt.Sprintf("s%d.service", i))
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		want[link] = false
	}
	for range 3 { // three status queries
		if _, err := d.drain(); err != nil {
			t.Fatal(err)
		}
		for path, trusted := range want {
			if got := d.watch(path); got != trusted {
				t.Errorf("watch(%s) = %v, want %v", path, got, trusted)
			}
		}
	}
	if n := watches(t, d); n != 2 {
		t.Errorf("%d watches; want 2, the directory's and plain.service's", n)
	}
}

// The watch of a file that was trusted goes once a link is made to it
// and its entry is checked again.
func TestDirChangesUnwatchesAFileNoLongerTrusted(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	d := newTestDirChanges(t, dir)
	path := filepath.Join(dir, "a.service")
	mustWriteFile(t, path, "x\n")
	if !d.watch(path) {
		t.Fatal("a.service not trusted")
	}
	mustLink(t, path, filepath.Join(other, "x"))
	if ev, err := d.drain(); err != nil || !slices.Contains(ev.names, "a.service") {
		t.Fatalf("drain after a link was made: %+v, %v; want a.service", ev, err)
	}
	if d.watch(path) {
		t.Error("a.service trusted with two links")
	}
	if n := watches(t, d); n != 1 {
		t.Errorf("%d watches once a.service has two links; want 1, the directory's", n)
	}
}

// A service file with another link elsewhere, removed from the dir, then
// reloaded away (so that its entry is never checked again): the watch on
// the file that lives on goes too.
func TestStaleDropsTheWatchOfARemovedFile(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	c := cachedActor(t, dir, "[Service]\nExecStart=/bin/sleep 1\n")
	if n := watches(t, c.changes); n != 2 {
		t.Fatalf("%d watches; want 2, the directory's and a.service's", n)
	}
	path := filepath.Join(dir, "a"+config.FileSuffix)
	mustLink(t, path, filepath.Join(other, "x"))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	// What a reload that finds it gone does.
	delete(c.known, "a")
	delete(c.stamps, "a")
	if got := c.stale(nil); len(got) != 0 {
		t.Errorf("stale: %v, want nothing", got)
	}
	if n := watches(t, c.changes); n != 1 {
		t.Errorf("%d watches after a.service was removed; want 1, the directory's", n)
	}
}

// forget drops the watch of a service's file, which stays in the dir, and
// the next drain names its entry.
func TestDirChangesForget(t *testing.T) {
	dir := t.TempDir()
	d := newTestDirChanges(t, dir)
	path := filepath.Join(dir, "a.service")
	mustWriteFile(t, path, "x\n")
	if !d.watch(path) {
		t.Fatal("a.service not trusted")
	}
	if _, err := d.drain(); err != nil { // the events of its creation
		t.Fatal(err)
	}
	d.forget(path)
	if n := watches(t, d); n != 1 {
		t.Errorf("%d watches after forget; want 1, the directory's", n)
	}
	if ev, err := d.drain(); err != nil || !slices.Contains(ev.names, "a.service") {
		t.Errorf("drain after forget: %+v, %v; want a.service", ev, err)
	}
	(*dirChanges)(nil).forget(path) // without a dirChanges: nothing
}

// Without /proc/self/mountinfo (no procfs, say), dirChanges works as it
// did before the mount table was polled: files are trusted, and a file
// mounted over one goes unseen (see dirChanges).
func TestDirChangesWithoutTheMountPoll(t *testing.T) {
	dir := t.TempDir()
	d, err := openDirChanges(dir, filepath.Join(t.TempDir(), "mountinfo"))
	if err != nil {
		t.Fatalf("without the mount table: %v", err)
	}
	t.Cleanup(func() { _ = d.close() })
	if err := d.mountPollErr(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("mountPollErr() = %v, want it missing", err)
	}
	path := filepath.Join(dir, "a.service")
	mustWriteFile(t, path, "x\n")
	if !d.watch(path) {
		t.Error("a.service not trusted")
	}
	if _, err := d.drain(); err != nil { // the events of its creation
		t.Fatal(err)
	}
	mustWriteFile(t, path, "y\n")
	if ev, err := d.drain(); err != nil || !slices.Contains(ev.names, "a.service") {
		t.Errorf("drain after a write: %+v, %v; want a.service", ev, err)
	}
	if err := newTestDirChanges(t, dir).mountPollErr(); err != nil {
		t.Errorf("with /proc/self/mountinfo: mountPollErr() = %v", err)
	}
}
