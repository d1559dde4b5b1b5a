package runstate

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// unwritablePath returns the path of a state file in a new directory whose
// name leaves no room for the suffix of a temporary file, so that every
// write of it fails (ENAMETOOLONG), as on a full disk, while the file
// itself, its lock file and its copy aside can be made.
func unwritablePath(t *testing.T) string {
	return filepath.Join(t.TempDir(), strings.Repeat("s", 245))
}

// A corrupt state file whose tagged marker can still be read does not keep
// superd from starting when it cannot be written again (a full disk): the
// marker the services will carry is on disk already, in the damaged file,
// as it is in a valid one, and the write comes later. The file stays as it
// was meanwhile, and the store says that it lags.
func TestCorruptFileWithMarkerOnAFullDisk(t *testing.T) {
	src := statePath(t)
	s, _ := open(t, src)
	if err := s.SetStopped("batch", true); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	marker := s.marker
	if !tagged(marker) {
		t.Fatalf("marker %q is not tagged", marker)
	}
	cut := good[:bytes.Index(good, []byte(`"processes"`))]

	path := unwritablePath(t)
	if err := os.WriteFile(path, cut, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, st, err := Open(path, testLogger(t))
	if err != nil {
		t.Fatalf("Open of a corrupt file with its marker, on a disk that takes no write: %v", err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	if want := (State{Marker: marker, Stopped: []string{"batch"}}); !reflect.DeepEqual(st, want) {
		t.Errorf("state = %+v, want %+v", st, want)
	}
	if s2.marker != marker {
		t.Errorf("store marker = %q, want the file's %q", s2.marker, marker)
	}
	if !s2.Behind() {
		t.Error("the store does not say that the file lags")
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, cut) {
		t.Errorf("file = %q, %v; want it as it was", b, err)
	}
	// The next change tries the write again (and fails here again).
	if err := s2.SetStopped("web", true); err == nil || !s2.Behind() {
		t.Errorf("a change: %v, behind %v; want the write tried and failed", err, s2.Behind())
	}
}

// Open still fails on such a disk when no marker the services may carry
// can be read from the file: a new one must be on disk before any service
// starts, or a superd that crashes leaves its successor nothing to find
// their processes by.
func TestCorruptFileWithoutTaggedMarkerOnAFullDisk(t *testing.T) {
	for name, content := range map[string]string{
		"no marker":                   `{"version": 1, "mar`,
		"marker from before the tags": `{"version": 1, "marker": "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE", "stopp`,
	} {
		t.Run(name, func(t *testing.T) {
			path := unwritablePath(t)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, _, err := Open(path, testLogger(t))
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded without a marker on disk")
			}
		})
	}
}
