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

// The log lines of a recorded group name the processes found in it, not
// only its recorded leader, which may be gone (its pid then another's).
func TestRecordAttrsNameTheProcessesFound(t *testing.T) {
	v := victim{rec: Record{Service: "g", PID: 100, PGID: 100}, group: true,
		watch: []procRef{{pid: 101, startTime: 1}, {pid: 102, startTime: 2}}}
	attrs := recordAttrs(v)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i] == "found" {
			if got, ok := attrs[i+1].([]int); !ok || len(got) != 2 || got[0] != 101 || got[1] != 102 {
				t.Errorf("found = %v, want [101 102]", attrs[i+1])
			}
			return
		}
	}
	t.Errorf("attrs %v name no process found", attrs)
}
