//go:build linux

package actors_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// A service that a reload re-creates with its changed file keeps its
// restart count and last exit, as the status showed them while it was
// being re-created (and as systemd keeps NRestarts across a
// daemon-reload): they went back to none once the new definition's actor
// existed.
func TestReloadKeepsRestartCount(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flaky.service")
	marker := filepath.Join(dir, "crashed")
	body := "[Service]\nExecStart=/bin/sh -c 'if [ -e " + marker + " ]; then exec sleep 600; fi; touch " + marker + "; exit 3'\nRestart=on-failure\nRestartSec=0\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var st transport.ServiceStatus
	eventually(t, "flaky running after one crash", func() bool {
		var err error
		st, err = sup.Status(ctx, "flaky")
		return err == nil && st.State == transport.StateRunning && st.Restarts == 1
	})
	if err := os.WriteFile(file, []byte("[Unit]\nDescription=changed\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := sup.Reload(ctx); err != nil || len(res.Changed) != 1 {
		t.Fatalf("reload: %+v, %v", res, err)
	}
	eventually(t, "the new definition running", func() bool {
		var err error
		st, err = sup.Status(ctx, "flaky")
		return err == nil && st.State == transport.StateRunning && st.Description == "changed"
	})
	if st.Restarts != 1 {
		t.Errorf("restarts %d after the reload, want the 1 from before", st.Restarts)
	}
	if st.LastExit == nil || st.LastExit.Signal == "" {
		t.Errorf("last exit %v after the reload, want the stop of the old process", st.LastExit)
	}
}
