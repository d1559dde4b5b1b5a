package actors

import (
	"context"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/transport"
)

// Usage implements transport.UsageBackend: what the processes of each
// running service use now: those of the process group its main process
// leads, its descendants that left the group, and the processes of the
// service that superd adopted as a child subreaper, with their descendants
// (process.Manager.ServiceUsage: one pass over /proc, made when asked, off
// the actors). Where the system gives no such figures, the error wraps
// errors.ErrUnsupported.
func (s *Supervisor) Usage(ctx context.Context) ([]transport.ServiceUsage, error) {
	list, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	marker := s.marker.Load()
	var qs []process.UsageQuery
	for _, st := range list {
		if st.PID > 0 {
			q := process.UsageQuery{PID: st.PID}
			if marker != nil {
				q.Marker = []byte(runstate.MarkerEnv + "=" + (*marker)(st.Name))
			}
			qs = append(qs, q)
		}
	}
	procs := s.procs.Load()
	if procs == nil { // not reachable: list waits until Run made it
		return nil, ErrNotRunning
	}
	groups, err := procs.ServiceUsage(ctx, qs)
	if err != nil {
		return nil, err
	}
	out := make([]transport.ServiceUsage, 0, len(groups))
	for _, st := range list { // sorted by name
		if u, ok := groups[st.PID]; ok && st.PID > 0 {
			out = append(out, transport.ServiceUsage{Name: st.Name, PID: st.PID, Processes: u.Processes,
				MemoryBytes: u.RSS, CPUSeconds: u.CPU.Seconds()})
		}
	}
	return out, nil
}
