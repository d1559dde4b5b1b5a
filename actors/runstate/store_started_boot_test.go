package runstate

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// TestStartedOfUnknownBootForgotten checks that the services the operator
// started are not started again from a file that does not tell its boot
// (written where the boot id could not be read): the machine may have
// restarted since, and such a start must not outlive a reboot. The stops
// of the file still hold.
func TestStartedOfUnknownBootForgotten(t *testing.T) {
	path := statePath(t)
	content, err := json.Marshal(map[string]any{
		"version":   formatVersion,
		"marker":    "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE",
		"processes": []Record{},
		"stopped":   []string{"batch"},
		"started":   []string{"job"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	s, st := open(t, path)
	if st.Started != nil || s.Started("job") {
		t.Errorf("file of an unknown boot: state started %v, store started job %v; want neither", st.Started, s.Started("job"))
	}
	if !reflect.DeepEqual(st.Stopped, []string{"batch"}) || !s.Stopped("batch") {
		t.Errorf("file of an unknown boot: the stop is lost: %v", st.Stopped)
	}
	if err := s.SetStopped("other", true); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path).Started; got != nil {
		t.Errorf("written again: started %v", got)
	}
}
