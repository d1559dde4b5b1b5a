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

// unloadedJob is a supervisor started, with a state file, on a config dir
// whose job.service (AutoStart=no) the operator had started under a
// previous supervisor, and which does not load now: the state file keeps
// that start while it does not.
type unloadedJob struct {
	sup         *actors.Supervisor
	dir, file   string // the config dir, job.service
	state       string // the state file
	writeJobDef func(body string)
}

// startUnloadedJob makes an unloadedJob; with watch, the second supervisor
// watches the config dir.
func startUnloadedJob(t *testing.T, watch bool) unloadedJob {
	t.Helper()
	dir := t.TempDir()
	j := unloadedJob{dir: dir, file: filepath.Join(dir, "job.service"), state: filepath.Join(t.TempDir(), "superd.state")}
	j.writeJobDef = func(body string) {
		t.Helper()
		if err := os.WriteFile(j.file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	j.writeJobDef("[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n")
	cfg := actors.Config{ConfigDir: dir, StateFile: j.state}
	first, stop, ran := embedded(t, cfg)
	if _, err := first.Start(t.Context(), "job"); err != nil {
		t.Fatal(err)
	}
	stop()
	select {
	case <-ran:
	case <-time.After(time.Minute):
		t.Fatal("the first supervisor did not stop")
	}
	j.writeJobDef("[Service]\nExecStart=\nAutoStart=no\n") // does not load
	cfg.Watch = watch
	j.sup, _, _ = embedded(t, cfg)
	if got := startedInFile(t, j.state); !slices.Equal(got, []string{"job"}) {
		t.Fatalf("started in the state file: %v, want [job] (kept while its file does not load)", got)
	}
	return j
}

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
			j := startUnloadedJob(t, false)
			ctx := t.Context()
			switch how {
			case "reload":
				if err := os.Remove(j.file); err != nil {
					t.Fatal(err)
				}
				if _, err := j.sup.Reload(ctx); err != nil {
					t.Fatal(err)
				}
			case "delete":
				if _, err := j.sup.DeleteDefinition(ctx, "job", transport.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, "the state file to forget the start of job", func() bool {
				return len(startedInFile(t, j.state)) == 0
			})

			j.writeJobDef("[Service]\nExecStart=/bin/sleep 1001\nAutoStart=no\n")
			if res, err := j.sup.Reload(ctx); err != nil || !slices.Equal(res.Added, []string{"job"}) {
				t.Fatalf("reload: %+v, %v; want job added", res, err)
			}
			if st, err := j.sup.Status(ctx, "job"); err != nil || st.State != actors.StateStopped {
				t.Fatalf("job defined anew: %+v, %v; want stopped (AutoStart=no)", st, err)
			}
		})
	}
}
