//go:build linux

package actors_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// A file that did not load when the supervisor started, of a service the
// operator had started before (AutoStart=no), then removed, by hand and a
// reload or through the API: the state file forgets that start, and a
// service defined later under that name is a new one, stopped. The config
// watcher sent no removal for a name it had never loaded, and the new
// job.service was started at once.
func TestUnloadedFileRemovedForgetsItsStart(t *testing.T) {
	for _, how := range []string{"reload", "delete"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			state := filepath.Join(t.TempDir(), "superd.state")
			file := filepath.Join(dir, "job.service")
			write := func(body string) {
				t.Helper()
				if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n")
			cfg := actors.Config{ConfigDir: dir, StateFile: state}
			first, stop, ran := embedded(t, cfg)
			ctx := t.Context()
			if _, err := first.Start(ctx, "job"); err != nil {
				t.Fatal(err)
			}
			stop()
			select {
			case <-ran:
			case <-time.After(time.Minute):
				t.Fatal("the first supervisor did not stop")
			}

			write("[Service]\nExecStart=\nAutoStart=no\n") // does not load
			next, _, _ := embedded(t, cfg)
			if got := startedInFile(t, state); !slices.Equal(got, []string{"job"}) {
				t.Fatalf("started in the state file: %v, want [job] (kept while its file does not load)", got)
			}
			switch how {
			case "reload":
				if err := os.Remove(file); err != nil {
					t.Fatal(err)
				}
				if _, err := next.Reload(ctx); err != nil {
					t.Fatal(err)
				}
			case "delete":
				if _, err := next.DeleteDefinition(ctx, "job", transport.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, "the state file to forget the start of job", func() bool {
				return len(startedInFile(t, state)) == 0
			})

			write("[Service]\nExecStart=/bin/sleep 1001\nAutoStart=no\n")
			if res, err := next.Reload(ctx); err != nil || !slices.Equal(res.Added, []string{"job"}) {
				t.Fatalf("reload: %+v, %v; want job added", res, err)
			}
			if st, err := next.Status(ctx, "job"); err != nil || st.State != actors.StateStopped {
				t.Fatalf("job defined anew: %+v, %v; want stopped (AutoStart=no)", st, err)
			}
		})
	}
}
