//go:build linux

package actors

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
)

// TestReloadStampsFileAsRead: a file rewritten while a reload reads the
// config dir (config management writing files one after the other while
// the operator runs supers reload) was loaded in its old version, so supers
// status must keep showing it as changed on disk. Stamping the files after
// the load recorded the new version as loaded, and the change went unseen.
func TestReloadStampsFileAsRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a"+config.FileSuffix)
	mustWriteFile(t, path, "[Service]\nExecStart=/bin/sleep 1\n")
	sp, err := config.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	daemon, err := config.LoadDaemon(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &configActor{dir: dir, log: slog.New(slog.DiscardHandler), known: map[string]*config.Service{"a": sp},
		stamps: map[string]fileStamp{}, daemonHash: daemon.Hash}
	t.Cleanup(c.closeChanges)
	c.stamp(sp)
	c.loadDir = func(dir string) ([]*config.Service, []error) {
		specs, errs := config.LoadDir(dir)
		// Rewritten right after it was read.
		mustWriteFile(t, path, "[Service]\nExecStart=/bin/sleep 2000\n")
		later := time.Now().Add(time.Hour)
		if err := os.Chtimes(path, later, later); err != nil {
			t.Fatal(err)
		}
		return specs, errs
	}
	// The reload finds nothing to change: a was read as it was.
	res, apply, err := c.reload(nil)
	if err != nil || len(res.Unchanged) != 1 || len(apply.added)+len(apply.removed)+len(apply.changed) != 0 {
		t.Fatalf("reload: %+v, %+v, %v; want a unchanged", res, apply, err)
	}
	if got := c.stale([]string{"a"}); !got["a"] {
		t.Errorf("stale after the reload: %v; want a (its file changed after it was read)", got)
	}
}

// TestStaleSeesFileReplacedWithSameTimeAndSize: a service file replaced by
// another file of the same size and modification time (unpacked from an
// archive with fixed times, copied with cp -p or rsync -t, or a symlink
// switched to another target in a store of files with fixed times, as
// NixOS does) is a change on disk: supers status must mark it.
func TestStaleSeesFileReplacedWithSameTimeAndSize(t *testing.T) {
	for _, symlink := range []bool{false, true} {
		dir, store := t.TempDir(), t.TempDir()
		fixed := time.Unix(1, 0)
		write := func(path, text string) {
			t.Helper()
			mustWriteFile(t, path, text)
			if err := os.Chtimes(path, fixed, fixed); err != nil {
				t.Fatal(err)
			}
		}
		v1, v2 := filepath.Join(store, "v1"), filepath.Join(store, "v2")
		write(v1, "[Service]\nExecStart=/bin/sleep 601\n")
		write(v2, "[Service]\nExecStart=/bin/sleep 602\n")
		path := filepath.Join(dir, "a"+config.FileSuffix)
		tmp := filepath.Join(dir, ".a.tmp")
		install := func(src string) {
			t.Helper()
			if symlink {
				if err := os.Symlink(src, tmp); err != nil {
					t.Fatal(err)
				}
			} else {
				data, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				write(tmp, string(data))
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}
		install(v1)
		sp, err := config.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c := &configActor{dir: dir, log: slog.New(slog.DiscardHandler), known: map[string]*config.Service{"a": sp},
			stamps: map[string]fileStamp{}}
		c.openChanges(true)
		t.Cleanup(c.closeChanges)
		c.stamp(sp)
		if got := c.stale(nil); got["a"] {
			t.Fatalf("symlink %v: stale before any change: %v", symlink, got)
		}
		install(v2)
		if got := c.stale(nil); !got["a"] {
			t.Errorf("symlink %v: stale after the file was replaced: %v, want a", symlink, got)
		}
	}
}
