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

// A service file that is a symbolic link to no file is removed (moved to
// the trash) by a caller who may write any definition, but not by a socket
// user held to its own definitions: once the target appears, the file may
// run as anyone.
func TestDefsReviewDanglingLinkRemoval(t *testing.T) {
	dir := t.TempDir()
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	ctx := context.Background()
	link := filepath.Join(dir, "dang.service")
	if err := os.Symlink(filepath.Join(t.TempDir(), "gone.service"), link); err != nil {
		t.Fatal(err)
	}
	socketUser := transport.WriteOptions{Caller: transport.Caller{UID: 65534}}
	if _, err := sup.DeleteDefinition(ctx, "dang", socketUser); !errors.Is(err, transport.ErrForbidden) {
		t.Fatalf("DeleteDefinition of a dangling link by uid 65534: %v, want ErrForbidden", err)
	}
	if _, err := os.Lstat(link); err != nil {
		t.Fatalf("a refused removal moved the link: %v", err)
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
