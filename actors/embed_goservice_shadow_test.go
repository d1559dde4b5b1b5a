//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// A service defined in Go whose name a file of ConfigDir defines at start
// is not run, not even once that file is removed: the reload removes the
// file's service, and the Go one does not take its place (Config.Services'
// doc, and README's Embedding section, which said the file's service ran
// on once its file was removed).
func TestEmbedGoServiceShadowedByRemovedFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "web.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=sleep 60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir, Services: []*config.Service{config.New("web", "sleep", "61")}})
	if errs := sup.LoadErrors(); len(errs) != 1 || !errors.Is(errs[0], transport.ErrConflict) {
		t.Fatalf("LoadErrors = %v; want the clash", errs)
	}
	before, err := sup.Status(context.Background(), "web")
	if err != nil || before.PID == 0 {
		t.Fatalf("web (the file's) at start: %+v, %v", before, err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	res, err := sup.Reload(context.Background())
	if err != nil || !slices.Equal(res.Removed, []string{"web"}) {
		t.Fatalf("Reload = %+v, %v; want web removed", res, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := sup.Status(context.Background(), "web")
		if errors.Is(err, transport.ErrUnknownService) {
			break
		}
		if err == nil && st.PID != 0 && st.PID != before.PID {
			t.Fatalf("web runs again after its file's removal: %+v", st)
		}
		if time.Now().After(deadline) {
			t.Fatalf("web still there after its file's removal: %+v, %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
