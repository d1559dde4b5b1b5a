//go:build linux

package runstate

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestKillStaleUsesEachServiceStop: what a crashed superd left is stopped
// as a stop command would stop it, each service with its own KillSignal=
// and TimeoutStopSec=, not with one signal and one grace for all. A
// database that wants SIGINT and takes longer than the others to shut down
// cleanly gets both; a service that ignores its signal is killed once its
// own grace is over, without cutting the other's short.
func TestKillStaleUsesEachServiceStop(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "db.clean")
	// db: on SIGINT only, shuts down for 1.5 s, then says so and exits.
	// SIGTERM would kill it at once (the shell's default). Its member, in
	// the background, ignores SIGINT (as sh starts background jobs).
	db := startGroup(t, "db",
		`trap 'sleep 1.5; echo INT > `+clean+`; exit 0' INT; sleep 60 & echo $!; wait`, 1)
	// stubborn: ignores SIGTERM, and so does its member.
	stubborn := startGroup(t, "stubborn", `trap '' TERM; sleep 60 & echo $!; wait`, 1)
	policy := func(service string) Stop {
		switch service {
		case "db":
			return Stop{Signal: "SIGINT", Grace: deadline}
		default:
			return Stop{Signal: "SIGTERM", Grace: 100 * time.Millisecond}
		}
	}
	killed := KillStale(t.Context(), stateOf(t, db.rec, stubborn.rec), policy, testLogger(t))
	if len(killed) != 2 {
		t.Fatalf("KillStale signalled %v, want both groups", killed)
	}
	data, err := os.ReadFile(clean)
	if err != nil {
		t.Fatalf("db did not shut down cleanly on SIGINT within its own grace: %v", err)
	}
	if string(data) != "INT\n" {
		t.Errorf("db wrote %q", data)
	}
	if ws := db.leaderStatus(t); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("db: status %#x, want a clean exit", ws)
	}
	wantSignal(t, "stubborn", stubborn.leaderStatus(t), syscall.SIGKILL)
	// Each group got SIGKILL once done with: the members too.
	wantSignal(t, "db's member", db.memberStatus(t, 0), syscall.SIGKILL)
	wantSignal(t, "stubborn's member", stubborn.memberStatus(t, 0), syscall.SIGKILL)
}
