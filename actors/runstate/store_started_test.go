package runstate

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestStartedRoundTrip checks the services the operator started: recorded,
// cleared by a stop (and clearing a stop), reported by Started, and given
// back by the next Open, which keeps them.
func TestStartedRoundTrip(t *testing.T) {
	if currentBootID(t) == "" {
		t.Skip("no boot id here: Open leaves the started services out")
	}
	path := statePath(t)
	s, _ := open(t, path)
	for _, err := range []error{
		s.SetStarted("job", true),
		s.SetStarted("cron", true),
		s.SetStarted("cron", true),
		s.SetStarted("batch", true),
		s.SetStopped("batch", true), // a stop ends the start
		s.SetStopped("web", true),
		s.SetStarted("web", true), // a start ends the stop
		s.SetStarted("gone", true),
		s.SetStarted("gone", false),
		s.SetStarted("never-started", false),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, s *Store) {
		t.Helper()
		for name, want := range map[string][2]bool{ // started, stopped
			"job": {true, false}, "cron": {true, false}, "web": {true, false},
			"batch": {false, true}, "gone": {false, false}, "never-started": {false, false},
		} {
			if got := [2]bool{s.Started(name), s.Stopped(name)}; got != want {
				t.Errorf("%s: %s started, stopped = %v, want %v", what, name, got, want)
			}
		}
	}
	check("store", s)

	s2, st := open(t, path)
	want := State{
		Processes: []Record{},
		Stopped:   []string{"batch"},
		Started:   []string{"cron", "job", "web"},
		BootID:    currentBootID(t),
		Marker:    s.marker,
	}
	st.Processes = []Record{}
	if want = ownedByThisProcess(want); !reflect.DeepEqual(st, want) {
		t.Errorf("reopened state = %+v, want %+v", st, want)
	}
	check("reopened store", s2)
	// Kept by the reopened store: its first write keeps them on disk.
	if err := s2.SetStopped("other", true); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path).Started; !reflect.DeepEqual(got, want.Started) {
		t.Errorf("after a write of the reopened store, started = %v, want %v", got, want.Started)
	}
}

// TestApplyStarted checks the Started change in a batch, and that one that
// changes nothing does not rewrite the file.
func TestApplyStarted(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	if err := s.Apply(Started("a", true), Started("b", true), Stopped("b", true), Started("c", true), Started("c", false)); err != nil {
		t.Fatal(err)
	}
	st := readFile(t, path)
	if !reflect.DeepEqual(st.Started, []string{"a"}) || !reflect.DeepEqual(st.Stopped, []string{"b"}) {
		t.Errorf("started %v, stopped %v; want [a] and [b]", st.Started, st.Stopped)
	}
	before := stat(t, path)
	if err := s.Apply(Started("a", true), Started("c", false), Stopped("b", true)); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(stat(t, path), before) {
		t.Error("Apply of Started changes that change nothing rewrote the file")
	}
}

// TestFileWithoutStarted checks compatibility both ways: a file written
// before the started services were recorded (no "started" field) loads,
// and a file without started services is written as before, without the
// field, so that it reads the same to an older superd.
func TestFileWithoutStarted(t *testing.T) {
	path := statePath(t)
	old := `{
  "version": 1,
  "marker": "t1.Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE",
  "boot_id": "` + currentBootID(t) + `",
  "processes": [{"service": "web", "pid": 4242, "pgid": 4242, "start_time": 812345}],
  "stopped": ["batch"]
}
`
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	s, st := open(t, path)
	want := State{
		Processes: []Record{{Service: "web", PID: 4242, PGID: 4242, StartTime: 812345}},
		Stopped:   []string{"batch"},
		BootID:    currentBootID(t),
		Marker:    "t1.Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE",
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("state = %+v, want %+v", st, want)
	}
	if s.Started("web") || s.Started("batch") {
		t.Error("a service is started in a file without the field")
	}
	if err := s.SetStopped("other", true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(`"started"`)) {
		t.Errorf("a file without started services has the field:\n%s", b)
	}

	// With one, the file is still one an older superd reads: the same
	// version, its fields unchanged.
	if err := s.SetStarted("job", true); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var older struct {
		Version   int      `json:"version"`
		Marker    string   `json:"marker"`
		Processes []Record `json:"processes"`
		Stopped   []string `json:"stopped"`
	}
	if err := json.Unmarshal(b, &older); err != nil || older.Version != 1 || older.Marker != want.Marker ||
		!reflect.DeepEqual(older.Stopped, []string{"batch", "other"}) || older.Processes == nil {
		t.Errorf("as an older superd reads it: %+v, %v\n%s", older, err, b)
	}
	if !bytes.Contains(b, []byte(`"started": [`)) || !strings.Contains(string(b), `"job"`) {
		t.Errorf("file without the started service:\n%s", b)
	}
}

// TestStartedForgottenAfterReboot checks that the services the operator
// started are started again after a restart of superd, not after a reboot
// of the machine (as systemd's "start", not "enable", of a unit), nor from
// a file that does not tell its boot (written where the boot id could not
// be read: the machine may have restarted since). The stops of the file
// still hold.
func TestStartedForgottenAfterReboot(t *testing.T) {
	for _, tc := range []struct {
		name, bootID string
	}{
		{"reboot", "00000000-0000-0000-0000-000000000000"},
		{"unknown boot", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.bootID != "" && currentBootID(t) == "" {
				t.Skip("no boot id here: a reboot cannot be told")
			}
			path := statePath(t)
			file := map[string]any{
				"version":   formatVersion,
				"marker":    "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE",
				"processes": []Record{},
				"stopped":   []string{"batch"},
				"started":   []string{"job"},
			}
			if tc.bootID != "" {
				file["boot_id"] = tc.bootID
			}
			content, err := json.Marshal(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, st := open(t, path)
			if st.Started != nil || s.Started("job") {
				t.Errorf("state started %v, store started job %v; want neither", st.Started, s.Started("job"))
			}
			if !reflect.DeepEqual(st.Stopped, []string{"batch"}) || !s.Stopped("batch") {
				t.Errorf("the stop is lost: %v", st.Stopped)
			}
			if err := s.SetStopped("other", true); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path).Started; got != nil {
				t.Errorf("written again: started %v", got)
			}
		})
	}
}

// TestCorruptFileForgetsStarted checks that a corrupt file gives its
// marker and stopped services, never services to start: a damaged name
// could start another service.
func TestCorruptFileForgetsStarted(t *testing.T) {
	path := statePath(t)
	content := `{"version": 1, "marker": "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE", "processes": [{"service": "web", "pid": 1` +
		`, "stopped": ["batch"], "started": ["job"]`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s, st := open(t, path)
	if st.Started != nil || s.Started("job") {
		t.Errorf("corrupt file: started %v, store started job %v; want neither", st.Started, s.Started("job"))
	}
	if !s.Stopped("batch") {
		t.Error("corrupt file: the stop of batch is lost")
	}
}
