//go:build unix

package runstate

import (
	"os"
	"slices"
	"testing"
)

// A state file removed, or replaced, right after a write renamed it into
// place (while the write still syncs the directory) is written again by
// the next Restore. The write used to take the identity of its file from a
// stat of the path once the directory was synced: it then found no file
// (and Restore, which writes nothing while the file is unknown, ignored the
// removal) or the replacement (which Restore then took for its own), so
// the file never came back until the next change of state. A superd that
// crashed meanwhile left its successor without its records.
func TestRestoreAfterChangeRightAfterRename(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{"removed", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced", func(t *testing.T, path string) {
			if err := os.WriteFile(path+".new", []byte("{}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := statePath(t)
			s, _ := open(t, path)
			changed := false
			t.Cleanup(func() { afterRename = nil })
			afterRename = func() {
				afterRename = nil // once: not for Restore's own write
				tc.change(t, path)
				changed = true
			}
			if err := s.SetStopped("web", true); err != nil {
				t.Fatal(err)
			}
			if !changed {
				t.Fatal("the write did not rename its file into place")
			}
			if wrote, err := s.Restore(); !wrote || err != nil {
				t.Fatalf("Restore after the file was %s: %v, %v; want a write", tc.name, wrote, err)
			}
			if st := readFile(t, path); !slices.Equal(st.Stopped, []string{"web"}) || st.Marker != s.marker {
				t.Fatalf("restored file: %+v; want web stopped and marker %s", st, s.marker)
			}
			if wrote, err := s.Restore(); wrote || err != nil {
				t.Fatalf("Restore of the restored file: %v, %v; want no write", wrote, err)
			}
		})
	}
}
