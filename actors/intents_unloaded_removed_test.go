//go:build linux

package actors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A removal of a service that was never created in this run (its file did
// not load when superd started) still forgets what the state file records
// of it: a service defined later under that name is a new one. Here the
// operator had started job (AutoStart=no) before superd restarted; the
// services supervisor used to ignore the removal of a name it had no
// entry for, and the new job.service was started at once.
func TestRemovalOfUnloadedServiceForgetsItsStart(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	state := filepath.Join(t.TempDir(), "superd.state")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "job.service"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n")
	cfg := Config{ConfigDir: dir, LogDir: logDir, StateFile: state}
	first := lcRunOn(t, cfg)
	ctx := t.Context()
	if _, err := first.sup.Start(ctx, "job"); err != nil {
		t.Fatal(err)
	}
	first.shutdown(time.Minute)

	write("[Service]\nExecStart=\nAutoStart=no\n") // does not load
	next := lcRunOn(t, cfg)
	if got := startedOf(t, state); !slices.Equal(got, []string{"job"}) {
		t.Fatalf("started in the state file: %v, want [job] (kept while its file does not load)", got)
	}
	if err := os.Remove(filepath.Join(dir, "job.service")); err != nil {
		t.Fatal(err)
	}
	// The removal of that name, as a reload or a DELETE of the definition
	// sends it.
	next.sup.sys.Root.Send(next.sup.services, &applyConfig{removed: []string{"job"}})
	waitUntil(t, "the state file to forget the start of job", func() bool {
		return len(startedOf(t, state)) == 0
	})

	write("[Service]\nExecStart=/bin/sleep 1001\nAutoStart=no\n")
	if res, err := next.sup.Reload(ctx); err != nil || !slices.Equal(res.Added, []string{"job"}) {
		t.Fatalf("reload: %+v, %v; want job added", res, err)
	}
	if st, err := next.sup.Status(ctx, "job"); err != nil || st.State != StateStopped {
		t.Fatalf("job defined anew: %+v, %v; want stopped (AutoStart=no)", st, err)
	}
}

// startedOf returns the services the state file at path records as
// started by the operator.
func startedOf(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Started []string `json:"started"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("state file: %v\n%s", err, b)
	}
	return st.Started
}
