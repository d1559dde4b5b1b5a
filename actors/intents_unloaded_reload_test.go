//go:build linux

package actors

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// A file that did not load when superd started, of a service the
// operator had started before (AutoStart=no), then removed, by hand and a
// reload or through the API: the state file forgets that start, and a
// service defined later under that name is a new one, stopped. The config
// watcher sent no removal for a name it had never loaded, and the new
// job.service was started at once.
func TestUnloadedFileRemovedForgetsItsStart(t *testing.T) {
	for _, how := range []string{"reload", "delete"} {
		t.Run(how, func(t *testing.T) {
			dir, logDir := t.TempDir(), t.TempDir()
			state := filepath.Join(t.TempDir(), "superd.state")
			file := filepath.Join(dir, "job.service")
			write := func(body string) {
				t.Helper()
				if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n")
			cfg := Config{ConfigDir: dir, LogDir: logDir, StateFile: state}
			first := lcRunOn(t, cfg)
			ctx := t.Context()
			if _, err := first.sup.Start(ctx, "job"); err != nil {
				t.Fatal(err)
			}
			first.shutdown(time.Minute)

			write("[Service]\nExecStart=\nAutoStart=no\n") // does not load
			next := lcRunOn(t, cfg)
			if got := startedOf(t, state); !slices.Equal(got, []string{"job"}) {
				t.Fatalf("started in the state file: %v, want [job] (kept while its file does not load)", got)
			}
			switch how {
			case "reload":
				if err := os.Remove(file); err != nil {
					t.Fatal(err)
				}
				if _, err := next.sup.Reload(ctx); err != nil {
					t.Fatal(err)
				}
			case "delete":
				if _, err := next.sup.DeleteDefinition(ctx, "job", transport.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			waitUntil(t, "the state file to forget the start of job", func() bool {
				return len(startedOf(t, state)) == 0
			})

			write("[Service]\nExecStart=/bin/sleep 1001\nAutoStart=no\n")
			if res, err := next.sup.Reload(ctx); err != nil || !slices.Equal(res.Added, []string{"job"}) {
				t.Fatalf("reload: %+v, %v; want job added", res, err)
			}
			if st, err := next.sup.Status(ctx, "job"); err != nil || st.State != StateStopped {
				t.Fatalf("job defined anew: %+v, %v; want stopped (AutoStart=no)", st, err)
			}
		})
	}
}
