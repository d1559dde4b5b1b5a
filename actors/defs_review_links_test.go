//go:build linux

package actors_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// A service file that cannot be read (a symbolic link to no file or to a
// loop of links, a file over the size limit) is removed (moved to the trash) by a caller who may
// write any definition, but not by a socket user held to its own
// definitions: whom it runs as cannot be known (a link's target may
// appear).
func TestDefsReviewDanglingLinkRemoval(t *testing.T) {
	dir := t.TempDir()
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	ctx := context.Background()
	link := filepath.Join(dir, "dang.service")
	if err := os.Symlink(filepath.Join(t.TempDir(), "gone.service"), link); err != nil {
		t.Fatal(err)
	}
	// A link that leads to itself: a loop, as good as no file.
	loop := filepath.Join(dir, "loop.service")
	if err := os.Symlink("loop.service", loop); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Definition(ctx, "loop"); !errors.Is(err, transport.ErrUnknownService) || !strings.Contains(err.Error(), "leads to no file") {
		t.Errorf("Definition of a link in a loop: %v, want ErrUnknownService saying it leads to no file", err)
	}
	big := filepath.Join(dir, "big.service")
	if err := os.WriteFile(big, make([]byte, 1<<20+1), 0o644); err != nil {
		t.Fatal(err)
	}
	socketUser := transport.WriteOptions{Caller: transport.Caller{UID: 65534}}
	for _, name := range []string{"dang", "big"} {
		_, err := sup.DeleteDefinition(ctx, name, socketUser)
		// Only a 403: the API answers a 404 or 409 first.
		if !errors.Is(err, transport.ErrForbidden) || errors.Is(err, transport.ErrUnknownService) || errors.Is(err, transport.ErrConflict) {
			t.Errorf("DeleteDefinition of %s by uid 65534: %v, want ErrForbidden alone", name, err)
		}
	}
	if _, err := os.Lstat(link); err != nil {
		t.Fatalf("a refused removal moved the link: %v", err)
	}
	if _, err := os.Lstat(big); err != nil {
		t.Fatalf("a refused removal moved big.service: %v", err)
	}
	for _, name := range []string{"dang", "loop"} {
		res, err := sup.DeleteDefinition(ctx, name, transport.WriteOptions{})
		if err != nil {
			t.Fatalf("DeleteDefinition of %s, a link that leads to no file: %v", name, err)
		}
		if fi, err := os.Lstat(res.Trash); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("the trash (%q) does not hold the link: %v", res.Trash, err)
		}
		if _, err := sup.DeleteDefinition(ctx, name, transport.WriteOptions{}); !errors.Is(err, transport.ErrUnknownService) {
			t.Errorf("DeleteDefinition once %s's link is gone: %v, want ErrUnknownService", name, err)
		}
	}
}
