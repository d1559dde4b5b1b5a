//go:build linux

package actors

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// brokenService is a service file that does not load (line 3).
const brokenService = "[Service]\nExecStart=/bin/sleep 1000\nRestart=sometimes\n"

// writeConfigFile writes content to name in dir.
func writeConfigFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A check (supers check, POST /v1/config/check) publishes nothing, even
// when the config dir is missing; and the dir missing for a while (a
// reload publishes that) does not make the files it held news again when
// it is back as it was. The check published the dir's error, and either
// made the next reload publish again every broken file it had published.
func TestConfigErrorDirGoneForAWhile(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeConfigFile(t, dir, "w.service", brokenService)
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir()}).sup
	ctx := t.Context()
	var evs []notify.Event
	waitUntil(t, "the config-error of w at start", func() bool {
		evs = configErrorsOf(t, sup, "")
		return len(evs) > 0
	})
	if len(evs) != 1 || evs[0].Service != "w" {
		t.Fatalf("at start: %+v, want one config-error for w", evs)
	}
	moved := dir + ".moved"
	gone := func() {
		t.Helper()
		if err := os.Rename(dir, moved); err != nil {
			t.Fatal(err)
		}
	}
	back := func() {
		t.Helper()
		if err := os.Rename(moved, dir); err != nil {
			t.Fatal(err)
		}
	}

	gone()
	if _, err := sup.CheckConfig(ctx); !errors.Is(err, transport.ErrConfigUnavailable) {
		t.Fatalf("check with the dir gone: %v, want ErrConfigUnavailable", err)
	}
	if evs := configErrorsOf(t, sup, ""); len(evs) != 1 {
		t.Fatalf("a check published: %+v", evs)
	}
	back()
	if _, err := sup.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := configErrorsOf(t, sup, ""); len(evs) != 1 {
		t.Fatalf("after a check with the dir gone, a reload published w again: %+v", evs)
	}

	gone()
	if _, err := sup.Reload(ctx); !errors.Is(err, transport.ErrConfigUnavailable) {
		t.Fatalf("reload with the dir gone: %v, want ErrConfigUnavailable", err)
	}
	evs = configErrorsOf(t, sup, "")
	if len(evs) != 2 || evs[1].File != dir || evs[1].Service != "" {
		t.Fatalf("reload with the dir gone: %+v, want a config-error of the dir", evs)
	}
	if _, err := sup.Reload(ctx); err == nil {
		t.Fatal("second reload with the dir gone succeeded")
	}
	back()
	if _, err := sup.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := configErrorsOf(t, sup, ""); len(evs) != 2 {
		t.Fatalf("the dir back as it was: w published again (or the dir twice): %+v", evs)
	}
	// Gone again: news again, since a reload loaded the dir in between.
	gone()
	defer back()
	if _, err := sup.Reload(ctx); err == nil {
		t.Fatal("reload with the dir gone again succeeded")
	}
	if evs := configErrorsOf(t, sup, ""); len(evs) != 3 || evs[2].File != dir {
		t.Fatalf("the dir gone again: %+v, want a third config-error, of the dir", evs)
	}
}

// A broken file of a running service, deleted and written again as
// broken as before within the time the watch keeps its service
// (watchAbsentConfirm), is not published again: the watch treats the
// service as if its file had not gone, and so are its errors. They were
// published twice.
func TestConfigErrorWatchFileBackBroken(t *testing.T) {
	dir := t.TempDir()
	writeConfigFile(t, dir, "w.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Watch: true}).sup
	waitUntil(t, "w running", func() bool {
		st, err := sup.Status(t.Context(), "w")
		return err == nil && st.State == StateRunning
	})
	writeConfigFile(t, dir, "w.service", brokenService)
	waitUntil(t, "the config-error of w", func() bool { return len(configErrorsOf(t, sup, "w")) == 1 })

	rewriteBrokenWithinHold(t, sup, dir)
	if st, err := sup.Status(t.Context(), "w"); err != nil || st.State != StateRunning {
		t.Fatalf("w: %+v, %v; want it running on its last configuration", st, err)
	}
}

// A service defined by the program (Config.Services) that cannot be
// created is published with its name: it was published with neither
// service nor file, as if about superd.conf, so that a Services= filter
// let it through to every webhook, and `supers events NAME` did not show
// it.
func TestConfigErrorOfGoServiceNotCreated(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	uncreatableB(t, "", logDir)
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Services: []*config.Service{config.New("b", "/bin/sleep", "1000")}}).sup
	var evs []notify.Event
	waitUntil(t, "a config-error for b", func() bool {
		evs = configErrorsOf(t, sup, "")
		return len(evs) > 0
	})
	if e := evs[0]; len(evs) != 1 || e.Service != "b" || e.File != "" || !strings.Contains(e.Reason, "service b not created") {
		t.Fatalf("want one config-error of service b, without a file: %+v", evs)
	}
	if (notify.Filter{Services: []string{"other"}}).Match(evs[0]) {
		t.Fatal("a Services=other filter lets b's config-error through")
	}
}

// A broken file removed (its service with it), then written again as
// broken as before, is news: the reload that removed the service forgot
// its errors.
func TestConfigErrorFileRemovedThenBackBroken(t *testing.T) {
	dir := t.TempDir()
	writeConfigFile(t, dir, "w.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir()}).sup
	ctx := t.Context()
	reload := func() transport.ReloadResult {
		t.Helper()
		res, err := sup.Reload(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	writeConfigFile(t, dir, "w.service", brokenService)
	reload()
	if evs := configErrorsOf(t, sup, "w"); len(evs) != 1 {
		t.Fatalf("w.service broken: %+v, want one config-error", evs)
	}
	if err := os.Remove(filepath.Join(dir, "w.service")); err != nil {
		t.Fatal(err)
	}
	if res := reload(); len(res.Removed) != 1 {
		t.Fatalf("reload without w.service: %+v, want w removed", res)
	}
	writeConfigFile(t, dir, "w.service", brokenService)
	reload()
	evs := configErrorsOf(t, sup, "w")
	if len(evs) != 2 || evs[1].Reason != evs[0].Reason {
		t.Fatalf("w.service back, broken the same way, after its service was removed: %+v, want a second config-error", evs)
	}
}

// rewriteBrokenWithinHold removes w.service, a file of dir that does not
// load and whose config-error sup (which watches dir) published once,
// waits for the watch's reload to find it missing, writes it back as
// broken, and checks that it is published no more (the test is skipped if
// the machine was too slow to write it back within watchAbsentConfirm).
func rewriteBrokenWithinHold(t *testing.T, sup *Supervisor, dir string) {
	t.Helper()
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
	// The watch's reload finds it missing, and holds it for now.
	waitUntil(t, "the reload that finds w.service missing", func() bool { return configErrs() == 0 })
	writeConfigFile(t, dir, "w.service", brokenService)
	if late := time.Since(removed); late >= watchAbsentConfirm {
		// Back only once the absence could be confirmed (a loaded
		// machine): what follows would test nothing.
		t.Skipf("w.service written again %v after its removal, not within the %v that holds it", late, watchAbsentConfirm)
	}
	waitUntil(t, "w.service broken again, in the config errors", func() bool { return configErrs() == 1 })
	// The reload that found it back published what it had to before
	// LoadErrors answered, and the hub has it.
	if evs := configErrorsOf(t, sup, "w"); len(evs) != 1 {
		t.Fatalf("w.service back as broken as before: %+v, want its config-error once", evs)
	}
}
