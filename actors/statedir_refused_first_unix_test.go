//go:build unix

package actors_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
)

// A state dir that Run would make under a directory another group may
// write is refused before anything is made: Run made the socket's
// directory and lock file there, then runstate refused the directory, and
// left them behind (superd --check, which did not look at a directory not
// made yet, passed).
func TestStateDirRefusedBeforeTheSocketIsMade(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another group")
	}
	gw := t.TempDir()
	if err := os.Chown(gw, -1, 54321); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(gw, 0o770); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(gw, "sub", "superd.sock")
	sup, err := actors.New(actors.Config{ConfigDir: t.TempDir(), LogDir: t.TempDir(), Socket: sock, StateFile: sock + ".state"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = sup.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "writable by the members of group 54321") {
		t.Fatalf("Run with a state dir to be made in a directory group 54321 may write: %v, want it refused naming the group", err)
	}
	if _, err := os.Lstat(filepath.Dir(sock)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the refused Run left %s: %v", filepath.Dir(sock), err)
	}
}
