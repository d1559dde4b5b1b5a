//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// TestEmbedConfigDirIsExclusive: a second supervisor on the same config dir
// (another superd with another socket) does not start, so no service runs
// twice, and the first one's service is left alone.
func TestEmbedConfigDirIsExclusive(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "web.service"), []byte("[Service]\nExecStart=sleep 63\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	first, _, _ := embedded(t, actors.Config{ConfigDir: dir, LogDir: t.TempDir()})
	before, err := first.Status(context.Background(), "web")
	if err != nil || before.PID == 0 {
		t.Fatalf("web: %+v, %v", before, err)
	}
	second, err := actors.New(actors.Config{ConfigDir: dir, LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := second.Run(ctx); !errors.Is(err, config.ErrDirInUse) {
		t.Fatalf("second Run: %v, want ErrDirInUse", err)
	}
	if st, err := first.Status(context.Background(), "web"); err != nil || st.PID != before.PID || st.State != actors.StateRunning {
		t.Errorf("the first supervisor's web after the second one's start: %+v, %v (was pid %d)", st, err, before.PID)
	}
}

// A config dir replaced while a supervisor runs (moved away, a new one
// made at its path): the lock stayed on the old directory, and a second
// supervisor took the new one and ran every service twice. A reload moves
// the lock to the new directory, so the second one is refused.
func TestEmbedConfigDirLockFollowsAReplacedDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := []byte("[Service]\nExecStart=sleep 64\n")
	if err := os.WriteFile(filepath.Join(dir, "web.service"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	first, _, _ := embedded(t, actors.Config{ConfigDir: dir, LogDir: t.TempDir()})
	replaceDir(t, dir, "web.service", string(body))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := first.Reload(ctx); err != nil {
		t.Fatalf("reload of the replaced dir: %v", err)
	}
	second, err := actors.New(actors.Config{ConfigDir: dir, LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Run(ctx); !errors.Is(err, config.ErrDirInUse) {
		t.Fatalf("second Run on the replaced dir: %v, want ErrDirInUse", err)
	}
}

// A start of a service the supervisor does not know yet loads its file on
// demand: from a replaced config dir it must move the lock first, or a
// second supervisor could take the new directory and run it too.
func TestEmbedConfigDirLockFollowsOnDemandStart(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	first, _, _ := embedded(t, actors.Config{ConfigDir: dir, LogDir: t.TempDir()})
	replaceDir(t, dir, "api.service", "[Service]\nExecStart=sleep 65\n")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if st, err := first.Start(ctx, "api"); err != nil || st.PID == 0 {
		t.Fatalf("start api from the replaced dir: %+v, %v", st, err)
	}
	second, err := actors.New(actors.Config{ConfigDir: dir, LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Run(ctx); !errors.Is(err, config.ErrDirInUse) {
		t.Fatalf("second Run on the replaced dir: %v, want ErrDirInUse", err)
	}
}

// replaceDir moves dir away and makes a new one at its path, holding one
// file of that name and content.
func replaceDir(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
