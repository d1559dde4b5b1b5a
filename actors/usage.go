package actors

import (
	"context"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/transport"
)

// Usage implements transport.UsageBackend: what the processes of each
// running service use now, those of the process group its main process
// leads (process.GroupUsage: one pass over /proc, made when asked, off the
// actors). Where the system gives no such figures, the error wraps
// errors.ErrUnsupported.
func (s *Supervisor) Usage(ctx context.Context) ([]transport.ServiceUsage, error) {
	list, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, st := range list {
		if st.PID > 0 {
			pids = append(pids, st.PID)
		}
	}
	groups, err := process.GroupUsage(pids)
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
