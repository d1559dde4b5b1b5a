//go:build linux

package actors

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
)

// review2WatchActor returns a config actor of a dir holding a.service,
// loaded and stamped as a reload leaves it.
func review2WatchActor(t *testing.T) (*configActor, string) {
	t.Helper()
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
	return c, dir
}

// TestWatchRenameNeedsTheSameFile: under --watch, a missing
// service file counts as renamed (its service stopped at once, with no
// second to come back) only if the file under the new name is the same
// file as it was: a new file that got the inode the removed one freed (as
// file systems do at once) is no rename, and a file removed between the
// reload's look at the dir and its load is not "renamed to itself".
func TestWatchRenameNeedsTheSameFile(t *testing.T) {
	t.Run("inode reused by a new file", func(t *testing.T) {
		c, dir := review2WatchActor(t)
		if err := os.Remove(filepath.Join(dir, "a"+config.FileSuffix)); err != nil {
			t.Fatal(err)
		}
		b := filepath.Join(dir, "b"+config.FileSuffix)
		mustWriteFile(t, b, "[Service]\nExecStart=/bin/sleep 2\n")
		st, ok := stampOf(b)
		if !ok {
			t.Fatal("no stamp of b")
		}
		// a's file was the inode b now has, written earlier: the file
		// system reused it.
		c.stamps["a"] = fileStamp{mod: st.mod.Add(-time.Hour), size: st.size, id: st.id}
		res, apply, err := c.reloadWith(nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(res.Removed, "a") || len(apply.removed) != 0 {
			t.Fatalf("a removed at once (%+v): a new file on a reused inode was taken for a rename", res)
		}
		if !slices.Contains(res.Added, "b") {
			t.Fatalf("b not added: %+v", res)
		}
	})
	t.Run("removed during the load", func(t *testing.T) {
		c, dir := review2WatchActor(t)
		c.loadDir = func(d string) ([]*config.Service, []error) {
			if err := os.Remove(filepath.Join(dir, "a"+config.FileSuffix)); err != nil {
				t.Error(err)
			}
			return config.LoadDir(d)
		}
		res, apply, err := c.reloadWith(nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(res.Removed, "a") || len(apply.removed) != 0 {
			t.Fatalf("a removed at once (%+v): a file removed during the load was taken for renamed to itself", res)
		}
	})
	t.Run("renamed", func(t *testing.T) {
		c, dir := review2WatchActor(t)
		if err := os.Rename(filepath.Join(dir, "a"+config.FileSuffix), filepath.Join(dir, "b"+config.FileSuffix)); err != nil {
			t.Fatal(err)
		}
		res, _, err := c.reloadWith(nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(res.Removed, "a") || !slices.Contains(res.Added, "b") {
			t.Fatalf("rename: %+v; want a removed and b added in one reload", res)
		}
	})
}
