package runstate

import (
	"encoding/json"
	"os"
	"syscall"
	"testing"
)

// A superd upgraded from one before the tags crashes right after Open gave
// its state file a new marker id, before KillStale: its successor still
// stops what the superd before the upgrade left, a recorded group and a
// process that left it, marked "ID:NAME" with the old id.
func TestKillStaleFindsTheOldMarkerAfterACrash(t *testing.T) {
	const old = "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE"
	oldMarker := MarkerEnv + "=" + old + ":web"
	recorded := startSession(t, "web", `echo ready; exec sleep 60`, 1, oldMarker)
	escaped := startGroup(t, "web", `echo ready; exec sleep 60`, 1, oldMarker)
	boot := currentBootID(t)
	if boot == "" {
		t.Skip("no boot id")
	}
	rec, err := json.Marshal(recorded.rec)
	if err != nil {
		t.Fatal(err)
	}
	path := statePath(t)
	file := `{"version": 1, "marker": "` + old + `", "boot_id": "` + boot + `", "processes": [` + string(rec) + `], "stopped": []}` + "\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	open(t, path)          // the upgraded superd: a new id, then it crashes
	_, st := open(t, path) // its successor
	killed := KillStale(t.Context(), st, termAfter(deadline), testLogger(t))
	if len(killed) != 2 {
		t.Errorf("killed %+v, want the recorded group and the escaped process", killed)
	}
	wantSignal(t, "recorded leader", recorded.leaderStatus(t), syscall.SIGTERM)
	wantSignal(t, "escaped leader", escaped.leaderStatus(t), syscall.SIGTERM)
}
