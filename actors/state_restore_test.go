//go:build linux

package actors_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// A state file removed, or replaced, while superd runs (by hand, by a
// cleaner of old files in /tmp) is written again at once: it came back only
// with the next change of state, and a superd that crashed meanwhile left
// its successor neither the records of its process groups nor the marker
// of their processes, so that they would run twice.
func TestStateFileRemovedIsWrittenAgain(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "superd.state")
	embedded(t, actors.Config{Services: []*config.Service{config.New("web", "sleep", "60")}, StateFile: state})
	var first []byte
	eventually(t, "web's record in the state file", func() bool {
		first, _ = os.ReadFile(state)
		return bytes.Contains(first, []byte(`"service": "web"`))
	})
	if err := os.Remove(state); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the removed state file written again", func() bool {
		b, err := os.ReadFile(state)
		return err == nil && bytes.Equal(b, first)
	})
	if err := os.WriteFile(state+".new", []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(state+".new", state); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replaced state file written again", func() bool {
		b, err := os.ReadFile(state)
		return err == nil && bytes.Equal(b, first)
	})
}
