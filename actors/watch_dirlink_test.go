//go:build linux

package actors_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
)

// With --watch, a config dir reached through a link keeps its file events
// when the link is switched (a "current" link moved to another release)
// or the directory it names is made again: the kernel's watch stayed on
// the directory it was added on, so the change, and every edit after it,
// was seen only by the rescan, 30 s late each time.
func TestWatchFollowsTheConfigDirsLinks(t *testing.T) {
	root := t.TempDir()
	write := func(path string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("[Service]\nExecStart=/bin/true\nAutoStart=no\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "rel1", "super", "a.service"))
	write(filepath.Join(root, "rel2", "super", "b.service"))
	if err := os.Symlink("rel1", filepath.Join(root, "current")); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: filepath.Join(root, "current", "super"), Watch: true})
	ctx := context.Background()
	waitNames := func(what string, want ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second) // the rescan comes after 30 s
		for {
			list, err := sup.List(ctx)
			var names []string
			for _, st := range list {
				names = append(names, st.Name)
			}
			if err == nil && slices.Equal(names, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: services %v, %v; want %v", what, names, err, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitNames("at start", "a")
	// The release switched as deployment tools do: a new link renamed
	// over the old one.
	if err := os.Symlink("rel2", filepath.Join(root, "current.new")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "current.new"), filepath.Join(root, "current")); err != nil {
		t.Fatal(err)
	}
	waitNames("after the switch to rel2", "b")
	write(filepath.Join(root, "rel2", "super", "c.service"))
	waitNames("after a file added to rel2", "b", "c")
	// rel2 made again, under its name.
	if err := os.RemoveAll(filepath.Join(root, "rel2")); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(root, "rel2", "super", "d.service"))
	waitNames("after rel2 was made again", "d")
	write(filepath.Join(root, "rel2", "super", "e.service"))
	waitNames("after a file added to the new rel2", "d", "e")
	// rel2 moved aside, and made again: no removal event names it.
	if err := os.Rename(filepath.Join(root, "rel2"), filepath.Join(root, "rel2.old")); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(root, "rel2", "super", "f.service"))
	waitNames("after rel2 was moved aside and made again", "f")
	write(filepath.Join(root, "rel2", "super", "g.service"))
	waitNames("after a file added to that rel2", "f", "g")
}
