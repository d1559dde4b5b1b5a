//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// reusedGroupScript runs in a PID namespace of its own (as its init), so
// that it can make the kernel give a service's process group number to an
// unrelated process: it starts superd, stops the service esc, and once
// esc's main process (its group's leader and only member) is gone, while
// the stop still waits for a process that left the group, it starts an
// unrelated process that leads a new group of that number. It then lets
// the process that left the group end, waits for the stop, and says
// whether the unrelated process is still there.
const reusedGroupScript = `
set -u
sc() { "$BIN/supers" --socket "$DIR/sock" "$@"; }
"$BIN/superd" --config-dir "$DIR/conf" --log-dir "$DIR/logs" --socket "$DIR/sock" >"$DIR/superd.log" 2>&1 &
i=0
until sc status esc 2>/dev/null | grep -q running && [ -e "$DIR/stray.pid" ]; do
	i=$((i+1)); [ $i -gt 400 ] && { echo "esc did not start"; exit 1; }; sleep 0.05
done
P=$(sc --json status esc | tr ',' '\n' | sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p')
sc stop esc >"$DIR/stop.out" 2>&1 &
STOP=$!
i=0
while kill -0 "$P" 2>/dev/null; do
	i=$((i+1)); [ $i -gt 4000 ] && { echo "esc's main process did not end"; exit 1; }; sleep 0.005
done
# The forked child, not a group leader, calls setsid itself and leads a
# new group of its own PID; superd's threads take PIDs too, so it may take
# a few tries to get P.
U=0
for try in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	echo $((P-1)) >/proc/sys/kernel/ns_last_pid
	setsid sleep 1000 </dev/null >/dev/null 2>&1 &
	U=$!
	[ "$U" = "$P" ] && break
	kill "$U"
done
[ "$U" = "$P" ] || { echo "REUSE MISSED"; exit 0; }
i=0
until [ "$(cut -d' ' -f5 "/proc/$U/stat")" = "$P" ]; do # its setsid done
	i=$((i+1)); [ $i -gt 4000 ] && { echo "no new group"; exit 1; }; sleep 0.005
done
echo "group $P, unrelated process $U leads a new group $P"
touch "$DIR/release"
wait $STOP
kill -0 "$U" 2>/dev/null && echo "UNRELATED ALIVE" || echo "UNRELATED KILLED"
`

// A stop whose service's group was gone, while it waited for a process
// that had left the group, went on looking at the group's number and
// signalling it: an unrelated process that the kernel then gave that
// number to, as its own group's, was taken for the service's group, the
// stop waited for it until TimeoutStopSec= and SIGKILLed it. Once its
// leader has exited, a group seen empty is never looked at nor signalled
// again.
func TestStopNeverSignalsAGroupNumberReused(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a PID namespace")
	}
	for _, prog := range []string{"unshare", "setsid"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Skipf("needs %s: %v", prog, err)
		}
	}
	dir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Mkdir(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The main process leads the group alone; the process it started in
	// a session of its own ignores SIGTERM and ends once released.
	stray := `setsid sh -c 'trap "" TERM; echo $$ >` + dir + `/stray.pid; while [ ! -e ` + dir + `/release ]; do sleep 0.02; done' & exec sleep 1001`
	svc := "[Service]\nExecStart=/bin/sh -c \"" + strings.ReplaceAll(stray, `"`, `\"`) + "\"\nRestart=no\nTimeoutStopSec=4s\n"
	if err := os.WriteFile(filepath.Join(dir, "conf", "esc.service"), []byte(svc), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", reusedGroupScript)
	cmd.Env = append(os.Environ(), "BIN="+binDir, "DIR="+dir, "SUPERS_SOCKET=")
	out, err := cmd.CombinedOutput()
	log, _ := os.ReadFile(filepath.Join(dir, "superd.log"))
	if err != nil {
		if strings.Contains(string(out), "unshare failed") {
			t.Skipf("no PID namespace here: %s", out)
		}
		t.Fatalf("%v\n%s\nsuperd's log:\n%s", err, out, log)
	}
	switch {
	case strings.Contains(string(out), "REUSE MISSED"):
		t.Skipf("another process took the group's number first:\n%s", out)
	case !strings.Contains(string(out), "UNRELATED ALIVE"):
		t.Fatalf("the stop killed an unrelated process that got the group's number:\n%s\nsuperd's log:\n%s", out, log)
	}
	t.Logf("%s", out)
	if strings.Contains(string(log), "stop timed out") {
		t.Errorf("the stop waited for a group that was not the service's:\n%s", log)
	}
}
