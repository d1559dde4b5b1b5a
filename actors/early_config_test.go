package actors

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// A definition written or removed, or a reload, asked before the
// supervisor is ready (superd stopping what a crashed superd left) is
// carried out once it is, in the order asked, even if its client gave
// up, as a start or stop is: errLeftovers tells that client "commands
// carried out". They were dropped: the file was never written, the
// service never removed, the reload never made.
func TestGivenUpConfigCommandsBeforeReadyAreCarriedOut(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	unit := []byte("[Service]\nExecStart=/bin/sleep 1000\n")
	if err := os.WriteFile(filepath.Join(conf, "web.service"), unit, 0o644); err != nil {
		t.Fatal(err)
	}
	sup, err := New(Config{ConfigDir: conf, LogDir: filepath.Join(dir, "logs")})
	if err != nil {
		t.Fatal(err)
	}
	// Written once Run has loaded the config dir: only the reload
	// loads it (no watch).
	sup.afterLoad = func() {
		if err := os.WriteFile(filepath.Join(conf, "other.service"), unit, 0o644); err != nil {
			t.Error(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	commands := []struct {
		what string
		do   func(ctx context.Context) error
	}{
		{"apply of newjob", func(ctx context.Context) error {
			_, err := sup.PutDefinition(ctx, "newjob", unit, transport.WriteOptions{})
			return err
		}},
		{"rm of web", func(ctx context.Context) error {
			_, err := sup.DeleteDefinition(ctx, "web", transport.WriteOptions{})
			return err
		}},
		{"reload", func(ctx context.Context) error {
			_, err := sup.Reload(ctx)
			return err
		}},
	}
	for _, c := range commands {
		// Its client gives up while it waits, as supers --timeout does.
		cctx, giveUp := context.WithTimeout(ctx, 100*time.Millisecond)
		err := c.do(cctx)
		giveUp()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the %s given up: %v, want context.DeadlineExceeded", c.what, err)
		}
	}
	runUntilCleanup(t, sup, ctx, cancel)
	<-sup.Ready()
	waitUntil(t, "newjob and other running, web gone", func() bool {
		nj, njErr := sup.Status(ctx, "newjob")
		o, oErr := sup.Status(ctx, "other")
		_, webErr := sup.Status(ctx, "web")
		return njErr == nil && nj.State == StateRunning && oErr == nil && o.State == StateRunning &&
			errors.Is(webErr, transport.ErrUnknownService)
	})
	if _, err := os.Stat(filepath.Join(conf, "newjob.service")); err != nil {
		t.Errorf("newjob.service after its apply: %v", err)
	}
	if _, err := os.Stat(filepath.Join(conf, "web.service")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("web.service after its rm: %v; want it gone", err)
	}
}
