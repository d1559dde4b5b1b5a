//go:build linux

package actors_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// A file that did not load, of a service the operator had started before
// (AutoStart=no), saved fixed by an editor that writes a new file and
// renames it in place (the name missing for a moment, which a reload of
// --watch may see): the file is not gone, the start it recorded stays,
// and the service runs once the file loads. The watch took the moment's
// absence for a removal, without the confirmation a loaded file gets, and
// the state file forgot the start: the fixed job stayed stopped.
func TestWatchUnloadedFileMissingForAMomentKeepsItsStart(t *testing.T) {
	t.Parallel()
	j := startUnloadedJob(t, true)
	next, file, dir, ctx := j.sup, j.file, j.dir, t.Context()
	write := func(path, body string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const good = "[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n"
	hasError := func() bool {
		errs, err := next.ConfigErrors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(errs, func(e transport.ConfigError) bool { return e.File == file })
	}
	if !hasError() {
		t.Fatal("job.service's error is not reported")
	}
	// The editor's save: the old file renamed away, the new one not yet
	// in place, until the watch's reload has seen the name missing.
	if err := os.Rename(file, file+"~"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the watch to see job.service missing", func() bool { return !hasError() })
	tmp := filepath.Join(dir, ".job.service.swp")
	write(tmp, good)
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	eventually(t, "job to run on the strength of its recorded start", func() bool {
		st, err := next.Status(ctx, "job")
		return err == nil && st.State == actors.StateRunning
	})
}

// The same file removed for good: the watch confirms its absence, and the
// state file forgets the start it recorded.
func TestWatchUnloadedFileRemovedForgetsItsStart(t *testing.T) {
	t.Parallel()
	j := startUnloadedJob(t, true)
	file, state := j.file, j.state
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the state file to forget the start of job", func() bool {
		return len(startedInFile(t, state)) == 0
	})
}
