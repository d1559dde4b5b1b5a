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
