//go:build linux

package actors_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// A service file that cannot be read (a symbolic link to no file, a file
// over the size limit) is removed (moved to the trash) by a caller who may
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
	res, err := sup.DeleteDefinition(ctx, "dang", transport.WriteOptions{})
	if err != nil {
		t.Fatalf("DeleteDefinition of a dangling link: %v", err)
	}
	if fi, err := os.Lstat(res.Trash); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the trash (%q) does not hold the link: %v", res.Trash, err)
	}
	if _, err := sup.DeleteDefinition(ctx, "dang", transport.WriteOptions{}); !errors.Is(err, transport.ErrUnknownService) {
		t.Errorf("DeleteDefinition once the link is gone: %v, want ErrUnknownService", err)
	}
}
