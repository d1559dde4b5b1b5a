//go:build linux

package actors

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A file that never loaded, deleted and written again as broken as before
// within watchAbsentConfirm, is not published again: the watch holds it as
// if it had not gone, as it does the file of a service
// (TestConfigErrorWatchFileBackBroken). Its error was published twice.
func TestConfigErrorWatchUnloadedFileBackBroken(t *testing.T) {
	dir := t.TempDir()
	writeConfigFile(t, dir, "w.service", brokenService)
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Watch: true}).sup
	waitUntil(t, "the config-error of w", func() bool { return len(configErrorsOf(t, sup, "w")) == 1 })

	removed := time.Now()
	if err := os.Remove(filepath.Join(dir, "w.service")); err != nil {
		t.Fatal(err)
	}
	configErrs := func() int {
		t.Helper()
		errs, err := sup.ConfigErrors(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return len(errs)
	}
	waitUntil(t, "the reload that finds w.service missing", func() bool { return configErrs() == 0 })
	writeConfigFile(t, dir, "w.service", brokenService)
	if late := time.Since(removed); late >= watchAbsentConfirm {
		t.Skipf("w.service written again %v after its removal, not within the %v that holds it", late, watchAbsentConfirm)
	}
	waitUntil(t, "w.service broken again, in the config errors", func() bool { return configErrs() == 1 })
	if evs := configErrorsOf(t, sup, "w"); len(evs) != 1 {
		t.Fatalf("w.service back as broken as before: %+v, want its config-error once", evs)
	}
}
