//go:build linux

package actors_test

import (
	"context"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// Usage reports, for each running service, the processes of its group,
// their memory and CPU time, and nothing for a stopped one.
func TestUsageOfRunningServices(t *testing.T) {
	idle := config.New("idle", "/bin/sleep", "600")
	idle.AutoStart = false
	sup, _, _ := embedded(t, actors.Config{Services: []*config.Service{
		config.New("two", "/bin/sh", "-c", "sleep 600 & exec sleep 601"), idle,
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var st transport.ServiceStatus
	var list []transport.ServiceUsage
	eventually(t, "two's two processes counted", func() bool {
		var err error
		if st, err = sup.Status(ctx, "two"); err != nil || st.State != transport.StateRunning {
			return false
		}
		if list, err = sup.Usage(ctx); err != nil {
			t.Fatal(err)
		}
		return len(list) == 1 && list[0].Processes == 2
	})
	if u := list[0]; u.Name != "two" || u.PID != st.PID || u.MemoryBytes < 64<<10 || u.CPUSeconds < 0 {
		t.Errorf("usage %+v, want two's, pid %d, some memory", u, st.PID)
	}
}
