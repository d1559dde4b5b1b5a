package runstate

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestNewerVersionFileIsNotCalledCorrupt checks what a superd rolled back
// after an upgrade says of the state file the newer one left: that it is
// of another version, not that it is corrupt (which sends the operator
// looking for a damaged disk), while it still keeps its marker and
// stopped services as for any file it cannot use.
func TestNewerVersionFileIsNotCalledCorrupt(t *testing.T) {
	path := statePath(t)
	content, err := json.Marshal(map[string]any{
		"version":   formatVersion + 1,
		"marker":    "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE",
		"processes": map[string]any{"web": []int{4242}}, // a changed type
		"stopped":   []string{"batch"},
		"new_field": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s, st, err := Open(path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := (State{Marker: "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE", Stopped: []string{"batch"}}); !reflect.DeepEqual(st, want) {
		t.Errorf("state = %+v, want %+v", st, want)
	}
	if out := logs.String(); strings.Contains(out, "corrupt;") || !strings.Contains(out, "version") {
		t.Errorf("log for a state file of a newer version:\n%s\nwant it to say so, not that the file is corrupt", out)
	}
}
