package runstate

import "testing"

// A process of a recorded group found both by its marker and by the
// service's pipe it holds is one process to watch, not two: it was logged
// and signalled twice (and, in a group holding superd, made two victims).
func TestGroupVictimWatchesAProcessFoundTwiceOnce(t *testing.T) {
	r := Record{Service: "web", PID: 1 << 30, PGID: 4242, StartTime: 1} // a leader that cannot be proven
	m := marked{ref: procRef{pid: 5000, startTime: 7}, pgid: 4242, service: "web"}
	v, ok := groupVictim(r, []marked{m, m}, testLogger(t))
	if !ok || len(v.watch) != 1 || v.watch[0] != m.ref {
		t.Fatalf("groupVictim = %+v, %v; want the process once", v, ok)
	}
}
