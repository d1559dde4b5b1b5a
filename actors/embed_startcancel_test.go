//go:build linux

package actors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// A Run whose context is done before it is ready (superd given SIGTERM
// while it starts) starts no service and returns nil, whatever it serves:
// with an HTTP API on a host name, it failed with "resolving localhost:
// operation was canceled" (superd exited 1, logging that it failed);
// without one, it started every service only to stop it at once.
func TestEmbedRunCanceledBeforeReady(t *testing.T) {
	for _, withHTTP := range []bool{false, true} {
		t.Run(fmt.Sprint("http=", withHTTP), func(t *testing.T) {
			dir := t.TempDir()
			logDir := filepath.Join(dir, "logs")
			var svcs []*config.Service
			for i := range 5 {
				svcs = append(svcs, config.New(fmt.Sprintf("s%d", i), "/bin/sh", "-c", "echo hi; exec sleep 60"))
			}
			cfg := actors.Config{LogDir: logDir, Services: svcs, StateFile: filepath.Join(dir, "state"), Socket: filepath.Join(dir, "s.sock")}
			if withHTTP {
				cfg.HTTP = actors.HTTPConfig{Addr: "localhost:0", TokenFile: filepath.Join(dir, "token")}
			}
			sup, err := actors.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			ran := make(chan error, 1)
			go func() { ran <- sup.Run(ctx) }()
			select {
			case err := <-ran:
				if err != nil {
					t.Errorf("Run with its context done: %v, want nil", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return")
			}
			for _, s := range svcs {
				if _, err := os.Stat(filepath.Join(logDir, s.Name, "stdout.log")); err == nil {
					t.Errorf("%s was started", s.Name)
				}
			}
			if _, err := os.Stat(cfg.Socket); err == nil {
				t.Error("the socket is left")
			}
			if _, err := sup.Status(context.Background(), "s0"); err == nil {
				t.Error("Status after Run answered")
			}
		})
	}
}
