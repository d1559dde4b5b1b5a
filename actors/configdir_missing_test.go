package actors_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// A config dir that does not exist (a typo in --config-dir) makes Run fail
// at once, naming it: superd used to run a supervisor of nothing and say
// it was ready (to systemd too).
func TestRunFailsOnMissingConfigDir(t *testing.T) {
	tmp := t.TempDir()
	missing := filepath.Join(tmp, "no-such-dir")
	sup, err := actors.New(actors.Config{ConfigDir: missing, LogDir: filepath.Join(tmp, "logs"), Socket: filepath.Join(tmp, "s.sock")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = sup.Run(ctx)
	if !errors.Is(err, config.ErrServiceDir) || !strings.Contains(err.Error(), missing) || ctx.Err() != nil {
		t.Fatalf("Run = %v; want an error at once wrapping config.ErrServiceDir and naming %s", err, missing)
	}
	select {
	case <-sup.Ready():
		t.Error("Ready closed by a Run that failed")
	default:
	}
}
