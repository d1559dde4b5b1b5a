//go:build linux

package main

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

// A service's record in the state file keeps how it is to be stopped, so
// that what it leaves after a crash of superd is stopped that way even if
// its file no longer loads by then (it got SIGTERM and 10 s); infinity is
// recorded as 0.
func TestStateRecordKeepsTheStop(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"db.service":      "[Service]\nExecStart=/bin/sleep 1000\nKillSignal=SIGINT\nTimeoutStopSec=120s\n",
		"forever.service": "[Service]\nExecStart=/bin/sleep 1000\nTimeoutStopSec=infinity\n",
	}).start()
	d.waitRunning("db")
	d.waitRunning("forever")
	type record struct {
		Service     string        `json:"service"`
		KillSignal  string        `json:"kill_signal"`
		TimeoutStop time.Duration `json:"timeout_stop_ns"`
	}
	var recs map[string]record
	waitFor(t, 10*time.Second, "both records in the state file", func() bool {
		b, err := os.ReadFile(d.socket + ".state")
		if err != nil {
			return false
		}
		var st struct {
			Processes []record `json:"processes"`
		}
		if json.Unmarshal(b, &st) != nil {
			return false
		}
		recs = map[string]record{}
		for _, r := range st.Processes {
			recs[r.Service] = r
		}
		return len(recs) == 2
	})
	if r := recs["db"]; r.KillSignal != "SIGINT" || r.TimeoutStop != 120*time.Second {
		t.Errorf("db's record %+v, want SIGINT and 120s", r)
	}
	if r := recs["forever"]; r.KillSignal != "SIGTERM" || r.TimeoutStop != 0 {
		t.Errorf("forever's record %+v, want SIGTERM and 0 (infinity)", r)
	}
}
