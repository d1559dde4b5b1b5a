package actors

import (
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// A child's failure, a system message, overtakes the notice of its
// process's exit that it sent first: until that notice comes, the entry
// holds the running status of a process that is gone. A crash loop's
// status then showed "backoff" with that process's PID (which the system
// may reuse: a script signalling .pid would hit another process), an
// uptime, and the run before as the last exit. In backoff or fatal no
// process is shown, and the last exit is the failure's.
func TestOverlayShowsNoProcessOfAStaleStatus(t *testing.T) {
	now := time.Now()
	started := now.Add(-40 * time.Millisecond)
	code, older := 1, now.Add(-time.Second)
	e := &serviceEntry{
		status: transport.ServiceStatus{Name: "c", State: StateRunning, PID: 4291, StartedAt: &started,
			LastExit: &transport.ExitInfo{Code: &code, Time: older}},
		overlay: StateBackoff,
	}
	failed := 2
	e.failedExit = &transport.ExitInfo{Code: &failed, Time: now.Add(-time.Millisecond)}
	st := (&servicesActor{}).overlaid(e, e.status, now)
	if st.State != StateBackoff || st.PID != 0 || st.StartedAt != nil || st.UptimeSeconds != 0 {
		t.Errorf("backoff over a stale running status: %+v, want backoff with no process", st)
	}
	if st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 2 {
		t.Errorf("last exit %+v, want the failure's (exit 2)", st.LastExit)
	}
	// Once the child's notice has come, its status is shown as it is.
	e.status = transport.ServiceStatus{Name: "c", State: StateExited, LastExit: &transport.ExitInfo{Code: &failed, Time: now}}
	if st := (&servicesActor{}).overlaid(e, e.status, now); st.State != StateBackoff || st.LastExit != e.status.LastExit {
		t.Errorf("backoff over the exit's status: %+v, want its own last exit", st)
	}
}
