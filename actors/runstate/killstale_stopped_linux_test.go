package runstate

import (
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/process"
)

// A suspended group (SIGSTOP) left by a crashed superd handles its SIGTERM
// at once: KillStale continues it (SIGCONT, as a stop does), instead of
// waiting out the grace period and killing it.
func TestKillStaleContinuesSuspendedGroup(t *testing.T) {
	g := startGroup(t, "web", `sh -c 'echo $$; exec sleep 60' & wait`, 1)
	if err := process.SignalGroup(g.rec.PGID, "SIGSTOP"); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	killed := KillStale(t.Context(), stateOf(t, g.rec), deadline, testLogger(t))
	if elapsed := time.Since(begin); elapsed > deadline/2 {
		t.Errorf("KillStale took %v; SIGTERM should have been enough", elapsed)
	}
	if !reflect.DeepEqual(killed, []Record{g.rec}) {
		t.Errorf("killed %+v, want [%+v]", killed, g.rec)
	}
	wantSignal(t, "leader", g.leaderStatus(t), syscall.SIGTERM)
}
