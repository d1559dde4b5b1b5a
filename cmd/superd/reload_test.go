//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

func (d *daemon) reload() transport.ReloadResult {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := d.client.Reload(ctx)
	if err != nil {
		d.t.Fatalf("reload: %v", err)
	}
	return res
}

// The seed's fifth criterion: a new file runs after `supers start newsvc`
// without a restart of superd; a deleted file's process stops on reload.
func TestStartNewFileAndReloadRemoval(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"old.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	old := d.waitRunning("old")

	d.writeFile("newsvc.service", "[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n")
	if out, errs, code := d.cli("start", "newsvc"); code != 0 {
		t.Fatalf("supers start newsvc: %d\n%s%s", code, out, errs)
	}
	d.waitRunning("newsvc")
	if st := d.status("old"); st.PID != old.PID {
		t.Errorf("starting newsvc touched old: %d → %d", old.PID, st.PID)
	}
	// No such file: the error names the path it looked for.
	_, errs, code := d.cli("start", "ghost")
	if code != 4 || !strings.Contains(errs, filepath.Join(d.dir, "ghost.service")) {
		t.Errorf("start ghost: exit %d, stderr %q", code, errs)
	}

	if err := os.Remove(filepath.Join(d.dir, "old.service")); err != nil {
		t.Fatal(err)
	}
	out, errs, code := d.cli("reload")
	if code != 0 || !strings.Contains(out, "removed: old") {
		t.Fatalf("supers reload: %d\n%s%s", code, out, errs)
	}
	waitFor(t, 10*time.Second, "old stopped and forgotten", func() bool {
		_, _, code := d.cli("status", "old")
		return !alive(old.PID) && code == 4
	})
}

// supers restart of a service whose file was added without a reload runs
// its process once: it used to be created and started (AutoStart=), then
// stopped and started again by the restart, which counted a restart.
func TestRestartOnDemandStartsOnce(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil).start()
	runs := filepath.Join(t.TempDir(), "runs")
	d.writeFile("fresh.service", "[Service]\nExecStart=/bin/sh -c 'echo $$ >> "+runs+"; exec sleep 1000'\n")
	if out, errs, code := d.cli("restart", "fresh"); code != 0 {
		t.Fatalf("supers restart fresh: %d\n%s%s", code, out, errs)
	}
	st := d.waitRunning("fresh")
	waitFor(t, 10*time.Second, "the run recorded", func() bool {
		b, _ := os.ReadFile(runs)
		return len(b) > 0
	})
	if b, _ := os.ReadFile(runs); string(b) != itoa(st.PID)+"\n" {
		t.Errorf("processes run: %q, want only %d", b, st.PID)
	}
	if st.Restarts != 0 {
		t.Errorf("restarts %d, want 0: the service had not run", st.Restarts)
	}
}

// A reload applies added, removed and changed files, leaves unchanged ones
// alone (same PID, even when only comments changed), and keeps a service
// whose file broke running on its previous configuration, as it does one
// whose file was replaced by a directory (which used to read as a removal).
func TestReloadDiff(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"same.service":    "[Service]\nExecStart=/bin/sleep 1000\n",
		"comment.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"change.service":  "[Service]\nExecStart=/bin/sleep 1000\n",
		"stopped.service": "[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n",
		"gone.service":    "[Service]\nExecStart=/bin/sleep 1000\n",
		"breaks.service":  "[Service]\nExecStart=/bin/sleep 1000\n",
		"dir.service":     "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	before := map[string]int{}
	for _, n := range []string{"same", "comment", "change", "gone", "breaks", "dir"} {
		before[n] = d.waitRunning(n).PID
	}
	d.writeFile("comment.service", "# a comment\n[Service]\n  ExecStart = /bin/sleep 1000   \n")
	d.writeFile("change.service", "[Service]\nExecStart=/bin/sleep 2000\n")
	d.writeFile("stopped.service", "[Service]\nExecStart=/bin/sleep 3000\nAutoStart=no\n")
	d.writeFile("added.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	d.writeFile("breaks.service", "[Service]\nExecStart=/bin/sleep 1000\nRestrat=always\n")
	if err := os.Remove(filepath.Join(d.dir, "gone.service")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(d.dir, "dir.service")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(d.dir, "dir.service"), 0o755); err != nil {
		t.Fatal(err)
	}
	res := d.reload()
	want := transport.ReloadResult{
		Added:   []string{"added"},
		Removed: []string{"gone"},
		Changed: []string{"change", "stopped"},
		// breaks and dir keep their old configuration, and are in
		// Errors: not unchanged as well.
		Unchanged: []string{"comment", "same"},
	}
	if !slices.Equal(res.Added, want.Added) || !slices.Equal(res.Removed, want.Removed) ||
		!slices.Equal(res.Changed, want.Changed) || !slices.Equal(res.Unchanged, want.Unchanged) {
		t.Errorf("reload result %+v, want %+v", res, want)
	}
	if len(res.Errors) != 2 || !strings.Contains(res.Errors[0].Message, "Restrat") || res.Errors[0].Line != 3 ||
		res.Errors[1].File != filepath.Join(d.dir, "dir.service") || !strings.Contains(res.Errors[1].Message, "not a regular file") {
		t.Errorf("reload errors %+v", res.Errors)
	}
	for _, n := range []string{"same", "comment", "breaks", "dir"} {
		if st := d.status(n); st.PID != before[n] || st.State != "running" {
			t.Errorf("%s was touched: pid %d → %d, %s", n, before[n], st.PID, st.State)
		}
	}
	d.waitRunning("added")
	var changed transport.ServiceStatus
	waitFor(t, 10*time.Second, "change restarted", func() bool {
		changed = d.status("change")
		return changed.State == "running" && changed.PID != before["change"]
	})
	if cmd, _ := os.ReadFile("/proc/" + itoa(changed.PID) + "/cmdline"); string(cmd) != "/bin/sleep\x002000\x00" {
		t.Errorf("change runs %q, want the new command", cmd)
	}
	if alive(before["change"]) {
		t.Error("the old process of change is still alive")
	}
	if st := d.status("stopped"); st.State != "stopped" {
		t.Errorf("a stopped service was started by a change: %s", st.State)
	}
	waitFor(t, 10*time.Second, "gone removed", func() bool { return !alive(before["gone"]) })

	// A second reload with nothing new changes nothing.
	res = d.reload()
	if len(res.Added)+len(res.Removed)+len(res.Changed) != 0 {
		t.Errorf("second reload did something: %+v", res)
	}
}

// SIGHUP runs the same reload; a missing config dir is an error, not an
// instruction: nothing stops.
func TestSighupAndMissingDir(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	a := d.waitRunning("a")
	d.writeFile("b.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.waitRunning("b")

	hidden := d.dir + ".away"
	if err := os.Rename(d.dir, hidden); err != nil {
		t.Fatal(err)
	}
	_, errs, code := d.cli("reload")
	if code != 1 || !strings.Contains(errs, d.dir) {
		t.Errorf("reload without a config dir: exit %d, stderr %q", code, errs)
	}
	if err := os.Rename(hidden, d.dir); err != nil {
		t.Fatal(err)
	}
	if st := d.status("a"); st.PID != a.PID || st.State != "running" {
		t.Errorf("a was disturbed by a failed reload: %+v", st)
	}
}

// Concurrent reloads, starts and stops from many clients are serialised:
// no service ends up duplicated or half-configured.
func TestConcurrentReloadsStartsStops(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for _, n := range []string{"s1", "s2", "s3"} {
		files[n+".service"] = "[Service]\nExecStart=/bin/sleep 1000\n"
	}
	d := newDaemon(t, files).start()
	for _, n := range []string{"s1", "s2", "s3"} {
		d.waitRunning(n)
	}
	d.writeFile("s4.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	d.writeFile("s2.service", "[Service]\nExecStart=/bin/sleep 1001\n")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := transport.NewClient(d.socket)
			for j := 0; j < 5; j++ {
				switch (i + j) % 4 {
				case 0:
					_, _ = c.Reload(ctx)
				case 1:
					_, _ = c.Start(ctx, "s4")
				case 2:
					_, _ = c.Restart(ctx, "s2")
				case 3:
					_, _ = c.Stop(ctx, "s3")
				}
			}
		}(i)
	}
	wg.Wait()
	d.reload()
	if _, errs, code := d.cli("start", "s1", "s2", "s3", "s4"); code != 0 {
		t.Fatalf("start all: %d %s", code, errs)
	}
	// Exactly one live process per service, each running its current
	// command.
	for n, argv := range map[string]string{"s1": "1000", "s2": "1001", "s3": "1000", "s4": "1000"} {
		st := d.waitRunning(n)
		if cmd, _ := os.ReadFile("/proc/" + itoa(st.PID) + "/cmdline"); string(cmd) != "/bin/sleep\x00"+argv+"\x00" {
			t.Errorf("%s runs %q", n, cmd)
		}
	}
	waitFor(t, 10*time.Second, "one sleep per service", func() bool {
		return len(childrenOf(d.cmd.Process.Pid)) == 4
	})
}

// status marks a service whose file changed on disk since it was loaded;
// a reload clears the mark.
func TestStatusMarksChangedFile(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	d.waitRunning("a")
	if d.status("a").ConfigChanged {
		t.Fatal("marked before any change")
	}
	d.writeFile("a.service", "[Service]\nExecStart=/bin/sleep 1001\n")
	mtime := time.Now().Add(time.Minute) // a different mtime even on coarse clocks
	if err := os.Chtimes(filepath.Join(d.dir, "a.service"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if !d.status("a").ConfigChanged {
		t.Fatal("not marked after the file changed")
	}
	d.reload()
	waitFor(t, 10*time.Second, "a restarted and unmarked", func() bool {
		st := d.status("a")
		return st.State == "running" && !st.ConfigChanged
	})
}

// superd --watch reloads by itself: a new file starts, an editor's
// save-by-rename applies once, and the watch survives the dir being
// replaced.
func TestWatch(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"})
	d.extraArgs = []string{"--watch"}
	d.start()
	a := d.waitRunning("a")

	d.writeFile("b.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	d.waitRunning("b")

	// Editor-style save: write a temp file, rename it over a.service.
	tmp := filepath.Join(d.dir, ".a.service.swp")
	if err := os.WriteFile(tmp, []byte("[Service]\nExecStart=/bin/sleep 1002\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(d.dir, "a.service")); err != nil {
		t.Fatal(err)
	}
	var st transport.ServiceStatus
	waitFor(t, 10*time.Second, "a restarted with its new command", func() bool {
		st = d.status("a")
		cmd, _ := os.ReadFile("/proc/" + itoa(st.PID) + "/cmdline")
		return st.State == "running" && string(cmd) == "/bin/sleep\x001002\x00"
	})
	if alive(a.PID) {
		t.Error("old a still alive")
	}

	// Replace the whole dir: the new one is watched.
	old := d.dir + ".old"
	if err := os.Rename(d.dir, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(d.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		data, _ := os.ReadFile(filepath.Join(old, n+".service"))
		d.writeFile(n+".service", string(data))
	}
	d.writeFile("c.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	d.waitRunning("c")
	if got := d.status("a"); got.PID != st.PID {
		t.Errorf("a restarted by the dir replacement although unchanged: %d → %d", st.PID, got.PID)
	}
}

// TestReloadKeepsAnOperatorStopUnderWay: a reload that changes a service
// while the operator's stop of it is still under way does not start the
// new definition.
func TestReloadKeepsAnOperatorStopUnderWay(t *testing.T) {
	t.Parallel()
	// The trap is set before trapped exists: a stop sent earlier would
	// end the shell at once, with no stop under way for the reload.
	trapped := filepath.Join(t.TempDir(), "trapped")
	slow := "[Service]\nExecStart=/bin/sh -c 'trap \"sleep 2; exit 0\" TERM; touch " + trapped + "; while :; do sleep 0.1; done'\nTimeoutStopSec=20s\n"
	d := newDaemon(t, map[string]string{"slow.service": slow}).start()
	first := d.waitRunning("slow")
	waitFor(t, 20*time.Second, "slow's trap set", func() bool { _, err := os.Stat(trapped); return err == nil })
	stopped := make(chan error, 1)
	go func() {
		_, err := d.client.Stop(context.Background(), "slow")
		stopped <- err
	}()
	waitFor(t, 10*time.Second, "slow stopping", func() bool { return d.status("slow").State == "stopping" })
	d.writeFile("slow.service", "[Unit]\nDescription=changed\n"+slow)
	if out, errs, code := d.cli("reload"); code != 0 {
		t.Fatalf("reload: %d %q %q", code, out, errs)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	waitFor(t, 10*time.Second, "slow re-created with its new definition", func() bool {
		return d.status("slow").Description == "changed"
	})
	// A command reaches the new service actor after its start-up (where it
	// would have started its process): a signal finds no process.
	if _, err := d.client.Signal(context.Background(), "slow", "SIGCONT"); !errors.Is(err, transport.ErrConflict) {
		t.Fatalf("the reload started slow again after the operator stopped it: signal: %v, status %+v (first pid %d)",
			err, d.status("slow"), first.PID)
	}
	if st := d.status("slow"); st.State != "stopped" || st.PID != 0 {
		t.Fatalf("slow after the reload: %+v, want stopped", st)
	}
}

// TestWatchNotStarvedByAChurningFile: a file of the config dir rewritten
// faster than the debounce does not postpone the reload for ever.
func TestWatchNotStarvedByAChurningFile(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil)
	d.extraArgs = []string{"--watch"}
	d.start()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // rewrites notes.txt every 20 ms until stop
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = os.WriteFile(filepath.Join(d.dir, "notes.txt"), []byte(itoa(i)), 0o644)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	d.writeFile("b.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	d.waitRunning("b")
}

// supers check asks superd to validate its config dir without applying
// anything; supers check FILE and superd --check need no daemon.
func TestCheck(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	a := d.waitRunning("a")
	if out, errs, code := d.cli("check"); code != 0 || !strings.Contains(out, "configuration OK") {
		t.Fatalf("check of a good dir: %d %q %q", code, out, errs)
	}
	d.writeFile("bad.service", "[Service]\nExecStart=/bin/sleep 1000\nRestrat=always\nKillSignal=SIGNOPE\n")
	d.writeFile("a.service", "[Service]\nExecStart=/bin/sleep 1001\n")
	out, errs, code := d.cli("check")
	if code != 1 || !strings.Contains(out, "bad.service:3") || !strings.Contains(out, "bad.service:4") {
		t.Fatalf("check of a bad dir: %d\n%s%s", code, out, errs)
	}
	if st := d.status("a"); st.PID != a.PID {
		t.Error("check applied a change")
	}
	if _, _, code := d.cli("status", "bad"); code != 4 {
		t.Error("check created a service")
	}

	// Offline: the CLI on files, superd --check on the dir.
	_, _, code = runCLI(t, filepath.Join(t.TempDir(), "none.sock"), "check", filepath.Join(d.dir, "bad.service"))
	if code != 1 {
		t.Errorf("supers check FILE of a bad file: exit %d", code)
	}
	if _, _, code = runCLI(t, filepath.Join(t.TempDir(), "none.sock"), "check", filepath.Join(d.dir, "a.service")); code != 0 {
		t.Errorf("supers check FILE of a good file: exit %d", code)
	}
	cmd := exec.Command(filepath.Join(binDir, "superd"), "--check", "--config-dir", d.dir)
	outb, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(outb), "bad.service:3") || !strings.Contains(string(outb), "1 service file(s) invalid, 1 valid") {
		t.Errorf("superd --check: %v\n%s", err, outb)
	}
}

// A reload while a service is restarting supersedes the restart cleanly:
// afterwards exactly one process runs, with the new configuration.
func TestReloadDuringRestart(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"slow.service": "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; exec sleep 1000'\nTimeoutStopSec=1s\n",
	}).start()
	first := d.waitRunning("slow")
	// The shell has set its trap once it has exec'd sleep: a restart
	// before that would end it at once, with no "stopping" to see.
	waitFor(t, 10*time.Second, "slow's shell exec'd sleep", func() bool {
		cmd, _ := os.ReadFile("/proc/" + itoa(first.PID) + "/cmdline")
		return string(cmd) == "sleep\x001000\x00"
	})
	restarted := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := d.client.Restart(ctx, "slow")
		restarted <- err
	}()
	waitFor(t, 5*time.Second, "slow stopping", func() bool { return d.status("slow").State == "stopping" })
	d.writeFile("slow.service", "[Service]\nExecStart=/bin/sleep 1003\n")
	res := d.reload()
	if !slices.Equal(res.Changed, []string{"slow"}) {
		t.Fatalf("reload result %+v", res)
	}
	<-restarted // answered either way (restarted, or superseded by the reload)
	var st transport.ServiceStatus
	waitFor(t, 15*time.Second, "slow running its new command", func() bool {
		st = d.status("slow")
		cmd, _ := os.ReadFile("/proc/" + itoa(st.PID) + "/cmdline")
		return st.State == "running" && string(cmd) == "/bin/sleep\x001003\x00"
	})
	if alive(first.PID) {
		t.Error("the first process survived")
	}
	waitFor(t, 20*time.Second, "a single process", func() bool { return len(childrenOf(d.cmd.Process.Pid)) == 1 })
}

// A superd.conf that fails to load on a reload is named in superd's own
// log with its line and reason, as a service file is: a reload by SIGHUP
// or --watch has no other output, and the log said only "errors=1".
func TestReloadLogsABrokenDaemonConf(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	d.waitRunning("web")
	d.writeFile("superd.conf", "[Webhook \"ops\"]\nURL=http://127.0.0.1:1/hook\nBogusKey=1\n")
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "superd to log the broken superd.conf", func() bool {
		log := d.stderr.String()
		return strings.Contains(log, "superd.conf not applied") && strings.Contains(log, "superd.conf:3") && strings.Contains(log, "BogusKey")
	})
}
