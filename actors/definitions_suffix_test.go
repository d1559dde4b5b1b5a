//go:build linux

package actors

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// TestPutDefinitionServiceSuffixFixesAFileThatDidNotLoad: a file
// NAME.service.service that exists but did not load (a typo in it, or a
// mode that lets every user write it) is served by GET, or named by it, so
// "supers edit old.service" opens it: the PUT of its fix is not refused
// for the ".service" at the end of the name (as a PUT that would create
// such a file is), and the service runs once it is written.
func TestPutDefinitionServiceSuffixFixesAFileThatDidNotLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode os.FileMode
	}{
		{"typo", 0o640},
		{"untrusted", 0o666}, // every user may write it: superd does not load it
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, logDir := t.TempDir(), t.TempDir()
			path := filepath.Join(dir, "old.service.service")
			if err := os.WriteFile(path, []byte("[Service]\nExecStartt=/bin/sleep 1000\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.DiscardHandler)}).sup
			opts := transport.WriteOptions{Caller: transport.Caller{UID: -1}}
			d, err := sup.Definition(t.Context(), "old.service")
			switch {
			case tc.mode == 0o640 && err != nil:
				t.Fatalf("Definition old.service: %v", err)
			case tc.mode == 0o640:
				opts.IfMatch = d.Hash // as supers edit saves it
			}
			res, err := sup.PutDefinition(t.Context(), "old.service", []byte("[Service]\nExecStart=/bin/sleep 1000\n"), opts)
			if err != nil || res.Action != transport.ActionCreated {
				t.Fatalf("PutDefinition old.service (its file did not load): %+v, %v; want it created", res, err)
			}
			var st transport.ServiceStatus
			for end := time.Now().Add(10 * time.Second); ; {
				if st, err = sup.Status(t.Context(), "old.service"); err == nil && st.State == transport.StateRunning {
					break
				}
				if time.Now().After(end) {
					t.Fatalf("status old.service: %+v, %v; want running", st, err)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}
