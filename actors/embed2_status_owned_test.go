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

// A status is its caller's: changing its start time or last exit changes
// no later status. They pointed at the supervisor's own records, so a
// caller that changed one changed what every later Status, List and
// answer said (and raced with the actors).
func TestEmbedStatusIsTheCallers(t *testing.T) {
	short := config.New("short", "/bin/sh", "-c", "exit 3")
	short.Restart.Mode = config.RestartNo
	long := config.New("long", "sleep", "60")
	sup, _, _ := embedded(t, actors.Config{Services: []*config.Service{short, long}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var st transport.ServiceStatus
	for {
		var err error
		if st, err = sup.Status(ctx, "short"); err != nil {
			t.Fatal(err)
		}
		if st.LastExit != nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("short has no last exit after 20s")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if st.LastExit.Code == nil || *st.LastExit.Code != 3 {
		t.Fatalf("short's last exit = %+v, want code 3", st.LastExit)
	}
	running, err := sup.Status(ctx, "long")
	if err != nil || running.StartedAt == nil {
		t.Fatalf("long = %+v, %v", running, err)
	}
	started := *running.StartedAt

	// Every way a status is had, changed by its caller.
	list, err := sup.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := sup.Stop(ctx, "short")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(list, st, running, stopped) {
		if s.LastExit != nil {
			s.LastExit.Time = time.Time{}
			if s.LastExit.Code != nil {
				*s.LastExit.Code = 99
			}
		}
		if s.StartedAt != nil {
			*s.StartedAt = started.Add(-time.Hour)
		}
	}

	again, err := sup.Status(ctx, "short")
	if err != nil {
		t.Fatal(err)
	}
	if again.LastExit == nil || again.LastExit.Code == nil || *again.LastExit.Code != 3 || again.LastExit.Time.IsZero() {
		t.Errorf("short's last exit after its caller changed a status = %+v, want code 3 and its time", again.LastExit)
	}
	list, err = sup.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Name == "long" && (s.StartedAt == nil || !s.StartedAt.Equal(started)) {
			t.Errorf("long's start after its caller changed a status = %v, want %v", s.StartedAt, started)
		}
		if s.Name == "short" && (s.LastExit == nil || s.LastExit.Code == nil || *s.LastExit.Code != 3) {
			t.Errorf("short's last exit in List after its caller changed a status = %+v, want code 3", s.LastExit)
		}
	}
}
