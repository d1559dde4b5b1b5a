//go:build linux

package actors_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
)

// A service with AutoStart=no that the operator started and that gives up
// (fatal) is no longer wanted running, unless superd will try it again by
// itself (RestartCooldownSec=): a restart of superd must not change that,
// so the state file keeps that one's start.
func TestStartOfFatalServiceKeptOnlyWithCooldown(t *testing.T) {
	t.Parallel()
	conf := t.TempDir()
	const failing = "[Service]\nExecStart=/bin/false\nAutoStart=no\nRestart=always\nRestartSec=0\nStartLimitBurst=2\n"
	for name, body := range map[string]string{
		"giveup.service":   failing,
		"cooldown.service": failing + "RestartCooldownSec=1h\n",
	} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stateFile := filepath.Join(t.TempDir(), "superd.state")
	sup, _, _ := embedded(t, actors.Config{ConfigDir: conf, StateFile: stateFile})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range []string{"giveup", "cooldown"} {
		// The process may fail before the answer: the start is recorded
		// all the same, and the state file holds it once answered.
		if _, err := sup.Start(ctx, name); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
	}
	for _, name := range []string{"giveup", "cooldown"} {
		eventually(t, name+" to give up", func() bool {
			st, err := sup.Status(ctx, name)
			if err != nil {
				t.Fatalf("status %s: %v", name, err)
			}
			return st.State == actors.StateFatal
		})
	}
	var started []string
	eventually(t, "the state file to keep only the start of cooldown", func() bool {
		started = startedInFile(t, stateFile)
		return slices.Equal(started, []string{"cooldown"})
	})
}

// startedInFile returns the services the state file at path records as
// started by the operator.
func startedInFile(t *testing.T, path string) []string {
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
