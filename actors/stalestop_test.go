package actors

import (
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
)

// TestStaleStopFollowsDefinitions: what a crashed superd left of a service
// is stopped with that service's KillSignal= and TimeoutStopSec=, as a stop
// command would; a service defined nowhere any more gets the defaults; a
// TimeoutStopSec= of infinity gets the shutdown's bound, so that superd's
// start does not wait forever.
func TestStaleStopFollowsDefinitions(t *testing.T) {
	svc := func(name, sig string, timeout time.Duration) *config.Service {
		sp := config.New(name, "/bin/true")
		sp.KillSignal, sp.TimeoutStopSec = sig, timeout
		if err := config.Validate(sp); err != nil {
			t.Fatal(err)
		}
		return sp
	}
	files := []*config.Service{
		svc("db", "SIGINT", 90*time.Second),
		svc("web", "", 0), // the defaults
		svc("forever", "SIGQUIT", config.Infinity),
		svc("both", "SIGHUP", 3*time.Second),
	}
	goServices := []*config.Service{
		svc("embedded", "SIGUSR1", 20*time.Second),
		svc("both", "SIGUSR2", 4*time.Second), // the file's definition wins
	}
	for _, tc := range []struct {
		name     string
		shutdown time.Duration // Config.ShutdownTimeout
		want     map[string]runstate.Stop
	}{
		{name: "default shutdown bound", want: map[string]runstate.Stop{
			"db":       {Signal: "SIGINT", Grace: 90 * time.Second},
			"web":      {Signal: "SIGTERM", Grace: config.DefaultTimeoutStopSec},
			"forever":  {Signal: "SIGQUIT", Grace: 90*time.Second + shutdownGrace},
			"both":     {Signal: "SIGHUP", Grace: 3 * time.Second},
			"embedded": {Signal: "SIGUSR1", Grace: 20 * time.Second},
			"removed":  {Signal: "SIGTERM", Grace: config.DefaultTimeoutStopSec},
		}},
		{name: "ShutdownTimeout", shutdown: 30 * time.Second, want: map[string]runstate.Stop{
			"forever": {Signal: "SIGQUIT", Grace: 30 * time.Second},
			"db":      {Signal: "SIGINT", Grace: 90 * time.Second},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Supervisor{cfg: Config{Services: goServices, ShutdownTimeout: tc.shutdown}}
			stop := s.staleStop(files, nil)
			for name, want := range tc.want {
				if got := stop(name); got != want {
					t.Errorf("%s: got %+v, want %+v", name, got, want)
				}
			}
		})
	}
}

// A service whose file no longer loads (a typo since its process started),
// or that is gone, is stopped as it was to be stopped when its process
// started, by its record: it got SIGTERM and 10 s, though its
// KillSignal=SIGINT and TimeoutStopSec=120s said otherwise. A record of
// infinity is bounded as a definition's is; a service defined now follows
// its definition, not its record.
func TestStaleStopOfAServiceNotLoadedFollowsItsRecord(t *testing.T) {
	db := config.New("db", "/bin/true")
	db.KillSignal, db.TimeoutStopSec = "SIGHUP", 5*time.Second
	if err := config.Validate(db); err != nil {
		t.Fatal(err)
	}
	recs := []runstate.Record{
		{Service: "broken", PID: 10, PGID: 10, KillSignal: "SIGINT", TimeoutStop: 120 * time.Second},
		{Service: "forever", PID: 11, PGID: 11, KillSignal: "SIGQUIT"}, // TimeoutStop 0: infinity
		{Service: "db", PID: 12, PGID: 12, KillSignal: "SIGINT", TimeoutStop: time.Minute},
		{Service: "old", PID: 13, PGID: 13}, // a record from before the stop was recorded
	}
	stop := (&Supervisor{}).staleStop([]*config.Service{db}, recs)
	for name, want := range map[string]runstate.Stop{
		"broken":  {Signal: "SIGINT", Grace: 120 * time.Second},
		"forever": {Signal: "SIGQUIT", Grace: 120*time.Second + shutdownGrace},
		"db":      {Signal: "SIGHUP", Grace: 5 * time.Second},
		"old":     {Signal: "SIGTERM", Grace: config.DefaultTimeoutStopSec},
	} {
		if got := stop(name); got != want {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
}
