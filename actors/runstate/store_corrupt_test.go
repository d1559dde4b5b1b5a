package runstate

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCorruptFileKeepsMarker checks that Open keeps what can still be read
// of a corrupt state file: its marker, by which the processes a crashed
// superd left are found, and its stopped services. Without the marker,
// those processes would run beside the services' new instances. The
// stopped services were written after the records, and a file cut short
// in them lost every stop.
func TestCorruptFileKeepsMarker(t *testing.T) {
	src := statePath(t)
	s, _ := open(t, src)
	if err := s.SetRunning(Record{Service: "web", PID: 100, PGID: 100, StartTime: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStopped("batch", true); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	marker := s.marker
	afterMarker := bytes.Index(good, []byte(marker)) + len(marker) + 1
	pid := bytes.Index(good, []byte(`"pid"`))
	for name, tc := range map[string]struct {
		content []byte
		stopped []string
	}{
		"truncated after the marker": {content: good[:afterMarker]},
		// The stopped services come before the records, whose list
		// grows with the services: cut in it, the file keeps them.
		"truncated in the records": {content: good[:pid+3], stopped: []string{"batch"}},
		"record damaged":           {content: bytes.Replace(good, []byte(`"pid": 100`), []byte(`"pid": 1\x000`), 1), stopped: []string{"batch"}},
		"trailing garbage":         {content: append(bytes.Clone(good), "\x00\xff"...), stopped: []string{"batch"}},
	} {
		t.Run(name, func(t *testing.T) {
			path := statePath(t)
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, st := open(t, path)
			want := State{Marker: marker, Stopped: tc.stopped}
			if !reflect.DeepEqual(st, want) {
				t.Errorf("state = %+v, want %+v", st, want)
			}
			if s.marker != marker {
				t.Errorf("store marker = %q, want the file's %q", s.marker, marker)
			}
			if got := readFile(t, path); got.Marker != marker || len(got.Processes) != 0 || !reflect.DeepEqual(got.Stopped, append([]string{}, tc.stopped...)) {
				t.Errorf("new file holds %+v, want marker %s, stopped %v", got, marker, tc.stopped)
			}
			if aside, err := os.ReadFile(path + ".corrupt"); err != nil || !bytes.Equal(aside, tc.content) {
				t.Errorf("%s.corrupt = %q, %v; want the corrupt content", path, aside, err)
			}
		})
	}
}

// TestOpenFailsWithoutMarkerOnDisk checks that Open fails when it cannot
// write the marker of a new state file: services started under a marker
// that is not on disk could not be found by the next superd after a crash.
func TestOpenFailsWithoutMarkerOnDisk(t *testing.T) {
	// The name leaves no room for the suffix of the temporary file, so
	// every write fails (ENAMETOOLONG), as on a full disk.
	path := filepath.Join(t.TempDir(), strings.Repeat("s", 245))
	s, _, err := Open(path, testLogger(t))
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded without writing the state file")
	}
	t.Logf("Open: %v", err)
	// The lock is released: a later Open may succeed.
	s, _, err = Open(path, testLogger(t))
	if err == nil {
		_ = s.Close()
	}
	if err != nil && strings.Contains(err.Error(), ErrInUse.Error()) {
		t.Errorf("the failed Open kept the lock: %v", err)
	}
}

// A corrupt file keeps its previous marker ids too (those of a superd
// from before the tags, kept until KillStale: State.PreviousMarkers), in
// the state Open returns and in the file it writes again: without them,
// the processes that superd left would be found neither now nor after
// another crash.
func TestCorruptFileKeepsPreviousMarkers(t *testing.T) {
	path := statePath(t)
	const old = "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE"
	if err := os.WriteFile(path, []byte(`{"version": 1, "marker": "`+old+`", "processes": [], "stopped": []}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := open(t, path) // a new id; the old one kept as previous
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(good, []byte(old)) {
		t.Fatalf("file after the new id lacks the old one:\n%s", good)
	}
	if err := os.WriteFile(path, good[:len(good)-20], 0o600); err != nil { // cut short
		t.Fatal(err)
	}
	_, st := open(t, path)
	if st.Marker != s.marker || !reflect.DeepEqual(st.PreviousMarkers, []string{old}) {
		t.Errorf("state of the cut file: marker %q, previous %q; want %q and [%s]", st.Marker, st.PreviousMarkers, s.marker, old)
	}
	if got := readFile(t, path); got.Marker != s.marker || !reflect.DeepEqual(got.PreviousMarkers, []string{old}) {
		t.Errorf("file written again: marker %q, previous %q; want %q and [%s]", got.Marker, got.PreviousMarkers, s.marker, old)
	}
}
