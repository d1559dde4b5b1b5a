//go:build linux

package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

func newTestDirChanges(t *testing.T, dir string) *dirChanges {
	t.Helper()
	d, err := newDirChanges(dir)
	if err != nil {
		t.Skipf("no dirChanges on %s: %v", dir, err)
	}
	t.Cleanup(func() { _ = d.close() })
	return d
}

func mustWriteFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every kind of change to an entry is named by the next drain, and only
// by that one.
func TestDirChangesNamesEveryChange(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"touched", "renamed", "removed", "truncated"} {
		mustWriteFile(t, filepath.Join(dir, n), "x\n")
	}
	d := newTestDirChanges(t, dir)
	if ev, err := d.drain(); err != nil || len(ev.names) != 0 || ev.gone || ev.overflow {
		t.Fatalf("drain before any change: %+v, %v", ev, err)
	}
	mustWriteFile(t, filepath.Join(dir, "created"), "new\n")
	when := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "touched"), when, when); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "renamed"), filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "removed")); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "truncated"), 0); err != nil {
		t.Fatal(err)
	}
	ev, err := d.drain()
	if err != nil || ev.gone || ev.overflow {
		t.Fatalf("drain: %+v, %v", ev, err)
	}
	for _, n := range []string{"created", "touched", "renamed", "moved", "removed", "truncated"} {
		if !slices.Contains(ev.names, n) {
			t.Errorf("drain named %q, missing %q", ev.names, n)
		}
	}
	if ev, err := d.drain(); err != nil || len(ev.names) != 0 {
		t.Errorf("second drain: %+v, %v; want nothing", ev, err)
	}
}

// Removing the directory ends the watch, and drain says so.
func TestDirChangesGone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := newTestDirChanges(t, dir)
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if ev, err := d.drain(); err != nil || !ev.gone {
		t.Errorf("drain after removing the dir: %+v, %v; want gone", ev, err)
	}
}

// Only files whose every change raises an event in the directory are
// trusted: not a symlink, not a file with another link elsewhere, not a
// file of another directory.
func TestDirChangesTrusted(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	d := newTestDirChanges(t, dir)
	plain := filepath.Join(dir, "plain.service")
	mustWriteFile(t, plain, "x\n")
	target := filepath.Join(other, "target.service")
	mustWriteFile(t, target, "x\n")
	link := filepath.Join(dir, "link.service")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.service")
	mustWriteFile(t, hard, "x\n")
	if err := os.Link(hard, filepath.Join(other, "hard.service")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{plain: true, link: false, hard: false, target: false, filepath.Join(dir, "missing.service"): false} {
		if got := d.trusted(path); got != want {
			t.Errorf("trusted(%s) = %v, want %v", path, got, want)
		}
	}
}

// With a dirChanges, a status query stats only the files that had an event
// since they were last checked, and still reports every change at once.
func TestStaleStatsOnlyChangedFiles(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	c := &configActor{dir: dir, log: slog.New(slog.DiscardHandler), known: map[string]*config.Service{}}
	stats := 0
	c.statFile = func(path string) (fileStamp, bool) {
		stats++
		return stampOf(path)
	}
	load := func(name, path string) {
		t.Helper()
		mustWriteFile(t, path, "[Service]\nExecStart=/bin/sleep 1\n")
		sp, err := config.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sp.File = filepath.Join(dir, name+config.FileSuffix)
		c.known[name] = sp
	}
	for _, n := range []string{"a", "b", "c"} {
		load(n, filepath.Join(dir, n+config.FileSuffix))
	}
	// d is a symlink to a file elsewhere: its changes raise no event here.
	target := filepath.Join(other, "d"+config.FileSuffix)
	load("d", target)
	if err := os.Symlink(target, filepath.Join(dir, "d"+config.FileSuffix)); err != nil {
		t.Fatal(err)
	}
	c.openChanges(false)
	if c.changes == nil {
		t.Skip("no dirChanges on this file system")
	}
	t.Cleanup(c.closeChanges)
	c.stamps = map[string]fileStamp{}
	for _, sp := range c.known {
		c.stamp(sp)
	}

	query := func(wantStats int, wantStale ...string) {
		t.Helper()
		stats = 0
		got := c.stale(nil)
		var names []string
		for n := range got {
			names = append(names, n)
		}
		slices.Sort(names)
		if !slices.Equal(names, wantStale) || stats != wantStats {
			t.Errorf("stale = %v with %d stats; want %v with %d", names, stats, wantStale, wantStats)
		}
	}
	query(4) // first look: every file
	query(1) // then only the symlink
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "b"+config.FileSuffix), later, later); err != nil {
		t.Fatal(err)
	}
	query(2, "b") // b had an event
	query(1, "b") // b's result is cached until its next event
	mustWriteFile(t, target, "[Service]\nExecStart=/bin/sleep 2\n")
	query(1, "b", "d") // the symlink's target changed: seen by its stat
	if err := os.Remove(filepath.Join(dir, "c"+config.FileSuffix)); err != nil {
		t.Fatal(err)
	}
	query(2, "b", "c", "d") // c vanished
	c.stamp(c.known["b"])   // reloaded: b matches again
	query(3, "c", "d")      // b once, then c and d: a missing file is not trusted
}

// A config dir reached through a symlink that is switched to another
// directory (a new release swapped in): the files its path names now raise
// no event in the watched directory, so stale stats them again, and sees
// the change.
func TestStaleSeesASwappedDirLink(t *testing.T) {
	root := t.TempDir()
	v1, v2 := filepath.Join(root, "v1"), filepath.Join(root, "v2")
	for _, d := range []string{v1, v2} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mustWriteFile(t, filepath.Join(v1, "a.service"), "[Service]\nExecStart=/bin/sleep 1\n")
	mustWriteFile(t, filepath.Join(v2, "a.service"), "[Service]\nExecStart=/bin/sleep 2 # the new release\n")
	dir := filepath.Join(root, "current")
	if err := os.Symlink(v1, dir); err != nil {
		t.Fatal(err)
	}
	sp, err := config.ParseFile(filepath.Join(dir, "a.service"))
	if err != nil {
		t.Fatal(err)
	}
	c := &configActor{dir: dir, log: slog.New(slog.DiscardHandler), known: map[string]*config.Service{"a": sp}}
	c.openChanges(false)
	if c.changes == nil {
		t.Skip("no dirChanges on this file system")
	}
	t.Cleanup(c.closeChanges)
	c.stamps = map[string]fileStamp{}
	c.stamp(sp)
	if got := c.stale(nil); len(got) != 0 {
		t.Fatalf("stale before the swap: %v", got)
	}
	if got := c.stale(nil); len(got) != 0 { // from the cache now
		t.Fatalf("stale before the swap, again: %v", got)
	}
	tmp := filepath.Join(root, "next")
	if err := os.Symlink(v2, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	if got := c.stale(nil); !got["a"] {
		t.Errorf("stale after the swap: %v, want a", got)
	}
}

// TestReloadUnreadableDirChangesNothing: when the config dir cannot be
// read by the load itself (out of descriptors, say), after it was found
// readable, the reload is an error and removes nothing.
func TestReloadUnreadableDirChangesNothing(t *testing.T) {
	dir := t.TempDir()
	mustWriteFile(t, filepath.Join(dir, "a"+config.FileSuffix), "[Service]\nExecStart=/bin/sleep 1\n")
	sp, err := config.ParseFile(filepath.Join(dir, "a"+config.FileSuffix))
	if err != nil {
		t.Fatal(err)
	}
	c := &configActor{dir: dir, log: slog.New(slog.DiscardHandler), known: map[string]*config.Service{"a": sp},
		stamps: map[string]fileStamp{}}
	c.loadDir = func(string) ([]*config.Service, []error) {
		return nil, []error{fmt.Errorf("%w: open %s: %w", config.ErrServiceDir, dir, syscall.EMFILE)}
	}
	t.Cleanup(c.closeChanges)
	res, _, err := c.reload(nil)
	if !errors.Is(err, transport.ErrConfigUnavailable) || !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("reload: %+v, %v; want ErrConfigUnavailable", res, err)
	}
	if len(res.Removed) != 0 || c.known["a"] != sp {
		t.Errorf("the reload removed services: %+v, known %v", res, c.known)
	}
}
