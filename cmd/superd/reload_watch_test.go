//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReloadWatchConfirmsAnAbsence: with --watch, a service file that is
// gone for a moment (deleted, then written again: a tool or a person that
// replaces a file in two steps, slower than the debounce) does not stop
// its service; one that stays gone does.
func TestReloadWatchConfirmsAnAbsence(t *testing.T) {
	t.Parallel()
	const body = "[Service]\nExecStart=/bin/sleep 1000\n"
	d := newDaemon(t, map[string]string{"a.service": body, "b.service": body})
	d.extraArgs = []string{"--watch"}
	d.start()
	a := d.waitRunning("a")
	d.waitRunning("b")

	reloads := func() int { return strings.Count(d.stderr.String(), "configuration reloaded") }
	before := reloads()
	removed := time.Now()
	if err := os.Remove(filepath.Join(d.dir, "a.service")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the watch's reload after a.service is removed", func() bool { return reloads() > before })
	before = reloads()
	d.writeFile("a.service", body)
	if late := time.Since(removed); late >= time.Second {
		// The file was back only once the absence could be confirmed
		// (a loaded machine): what follows would test nothing.
		t.Skipf("a.service written again %v after its removal, not within the second that keeps its service", late)
	}
	waitFor(t, 10*time.Second, "the watch's reload after a.service is back", func() bool { return reloads() > before })
	if st := d.status("a"); st.State != "running" || st.PID != a.PID {
		t.Fatalf("a after its file was removed and written again: %+v, want running with pid %d\n%s", st, a.PID, d.stderr.String())
	}
	if out, _, _ := d.cli("events", "--service", "a"); strings.Contains(out, "stop") {
		t.Fatalf("a was stopped:\n%s", out)
	}
	// superd's log says both: missing, then back.
	if log := d.stderr.String(); !strings.Contains(log, "service file missing") || !strings.Contains(log, "service file back") {
		t.Errorf("the log does not say that a's file went missing, then came back")
	}

	// Gone for good: stopped and forgotten.
	if err := os.Remove(filepath.Join(d.dir, "b.service")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "b removed", func() bool {
		_, _, code := d.cli("status", "b")
		return code == 4
	})
	if out, _, _ := d.cli("events"); !strings.Contains(out, "removed=b") {
		t.Fatalf("no reload event removing b:\n%s", out)
	}
}

// TestReloadWatchDirMovedAwayIsNoWarning: with --watch, the config dir
// moved away is said once, as the reload's error, not as warnings about
// a "new config dir" that cannot be watched; the dir made again is
// watched.
func TestReloadWatchDirMovedAwayIsNoWarning(t *testing.T) {
	t.Parallel()
	const body = "[Service]\nExecStart=/bin/sleep 1000\n"
	d := newDaemon(t, map[string]string{"a.service": body})
	d.extraArgs = []string{"--watch"}
	d.start()
	a := d.waitRunning("a")
	if err := os.Rename(d.dir, d.dir+".old"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the watch's reload to fail", func() bool {
		return strings.Contains(d.stderr.String(), "reload after a file change failed")
	})
	if err := os.Mkdir(d.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d.writeFile("a.service", body)
	d.writeFile("b.service", body)
	d.waitRunning("b")
	if st := d.status("a"); st.PID != a.PID {
		t.Errorf("a restarted: pid %d → %d", a.PID, st.PID)
	}
	// Its end is said too, at Info, as its failure was at Error.
	d.waitLogged(`level=INFO msg="the config dir can be loaded again"`)
	for _, line := range strings.Split(d.stderr.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "watch") {
			t.Errorf("warning: %s", line)
		}
	}
}

// TestReloadWatchRenameIsOneReload: with --watch, a service file renamed
// within the config dir is not an absence to confirm: the one reload that
// starts the new name stops the old one.
func TestReloadWatchRenameIsOneReload(t *testing.T) {
	t.Parallel()
	const body = "[Service]\nExecStart=/bin/sleep 1000\n"
	d := newDaemon(t, map[string]string{"a.service": body})
	d.extraArgs = []string{"--watch"}
	d.start()
	d.waitRunning("a")
	if err := os.Rename(filepath.Join(d.dir, "a.service"), filepath.Join(d.dir, "b.service")); err != nil {
		t.Fatal(err)
	}
	d.waitRunning("b")
	waitFor(t, 10*time.Second, "a removed", func() bool {
		_, _, code := d.cli("status", "a")
		return code == 4
	})
	out, _, _ := d.cli("events")
	if !strings.Contains(out, "added=b removed=a") {
		t.Fatalf("the rename was not one reload:\n%s", out)
	}
}

// TestReloadWatchFollowsSymlinkedFiles: with --watch, a service file that
// is a symbolic link out of the config dir (a release layout:
// app.service -> /opt/app/current/app.service, current -> r1) is
// followed: an edit of its target, and a switch of a link on the way to
// it, are applied as an edit of a file of the dir is.
func TestReloadWatchFollowsSymlinkedFiles(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil)
	opt := filepath.Join(filepath.Dir(d.dir), "opt")
	for _, r := range []string{"r1", "r2"} {
		if err := os.MkdirAll(filepath.Join(opt, r), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel, sleep string) {
		if err := os.WriteFile(filepath.Join(opt, rel), []byte("[Service]\nExecStart=/bin/sleep "+sleep+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("r1/app.service", "1001")
	write("r2/app.service", "1002")
	if err := os.Symlink("r1", filepath.Join(opt, "current")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(opt, "current", "app.service"), filepath.Join(d.dir, "app.service")); err != nil {
		t.Fatal(err)
	}
	d.extraArgs = []string{"--watch"}
	d.start()
	d.waitRunning("app")
	runs := func(what, arg string) {
		t.Helper()
		d.waitSleeping(what, "app", arg)
	}
	runs("app running r1's command", "1001")

	write("r1/app.service", "1003") // the target edited in place
	runs("app restarted with the edited target", "1003")

	// The release switched: current -> r2, by an atomic rename.
	tmp := filepath.Join(opt, "current.tmp")
	if err := os.Symlink("r2", tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(opt, "current")); err != nil {
		t.Fatal(err)
	}
	runs("app restarted with r2's command", "1002")

	write("r2/app.service", "1004") // the new target is followed
	runs("app restarted with r2's edited command", "1004")
}

// TestReloadWatchFollowsSymlinkedDaemonConf: with --watch, a superd.conf
// that is a symbolic link out of the config dir is followed as a service
// file is: its webhooks are reloaded when the target is edited.
func TestReloadWatchFollowsSymlinkedDaemonConf(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil)
	target := filepath.Join(filepath.Dir(d.dir), "superd.conf")
	if err := os.WriteFile(target, []byte("# none yet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(d.dir, "superd.conf")); err != nil {
		t.Fatal(err)
	}
	d.extraArgs = []string{"--watch"}
	d.start()
	if err := os.WriteFile(target, []byte("[Webhook \"ops\"]\nURL=http://127.0.0.1:9/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "superd.conf reloaded", func() bool {
		return strings.Contains(d.stderr.String(), "superd.conf reloaded")
	})
}
