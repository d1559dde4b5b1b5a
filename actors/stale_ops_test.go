//go:build linux

package actors_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// The status that start, stop, restart and signal return says whether the
// service's file changed since it was loaded, as Status does: supers prints
// the same "*" after any of them.
func TestServiceOpsReportChangedFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "web.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=sleep 65\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir, LogDir: t.TempDir()})
	ctx := context.Background()
	if st, err := sup.Status(ctx, "web"); err != nil || st.ConfigChanged {
		t.Fatalf("before the edit: %+v, %v", st, err)
	}
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=sleep 66\nRestart=always\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, op := range []struct {
		name string
		do   func() (transport.ServiceStatus, error)
	}{
		{"signal", func() (transport.ServiceStatus, error) { return sup.Signal(ctx, "web", "CONT") }},
		{"restart", func() (transport.ServiceStatus, error) { return sup.Restart(ctx, "web") }},
		{"stop", func() (transport.ServiceStatus, error) { return sup.Stop(ctx, "web") }},
		{"start", func() (transport.ServiceStatus, error) { return sup.Start(ctx, "web") }},
	} {
		st, err := op.do()
		if err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if !st.ConfigChanged {
			t.Errorf("%s: ConfigChanged false after the file changed", op.name)
		}
	}
}
