//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leftoversPhase is a superd whose start stops what a SIGKILLed superd
// left: service b's leftovers ignore SIGTERM (TimeoutStopSec=60), so the
// start waits for them until the test ends the phase with end, which
// SIGKILLs b's sleep.
type leftoversPhase struct {
	*daemon
	sleep int // b's sleep, left by the previous superd
}

// end ends the leftovers phase (b's sleep is SIGKILLed, its shell exits)
// and waits until superd is ready.
func (p *leftoversPhase) end() {
	p.t.Helper()
	if err := syscall.Kill(p.sleep, syscall.SIGKILL); err != nil {
		p.t.Fatalf("SIGKILL to b's sleep: %v", err)
	}
	p.waitLogged("superd ready")
}

// ran returns what service name's ExecStart (see ranService) wrote each
// time it started under the current superd.
func (p *leftoversPhase) ran(name string) string {
	p.t.Helper()
	out, err := os.ReadFile(filepath.Join(p.dir, name+".ran"))
	if err != nil && !os.IsNotExist(err) {
		p.t.Fatal(err)
	}
	return string(out)
}

// ranService is a service file whose program appends a line to
// <config-dir>/NAME.ran each time it starts.
func ranService(dir, name, extra string) string {
	return "[Service]\nExecStart=/bin/sh -c 'echo ran >> " + filepath.Join(dir, name+".ran") + "; exec sleep 1000'\n" + extra
}

// startLeftoversPhase runs a superd with service b (see leftoversPhase)
// and the services of files (each NAME.service: ranService(dir, NAME,
// files[NAME])), SIGKILLs it, and starts the next one on the same files;
// it returns that one once its start is stopping b's leftovers, with the
// .ran files emptied.
func startLeftoversPhase(t *testing.T, files map[string]string) *leftoversPhase {
	t.Helper()
	d := newDaemon(t, nil)
	// b ignores SIGTERM while <config-dir>/stubborn exists: its instance
	// started after the leftovers phase stops at once when superd does.
	stubborn := filepath.Join(d.dir, "stubborn")
	if err := os.WriteFile(stubborn, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d.writeFile("b.service", "[Service]\nExecStart=/bin/sh -c 'test -e "+stubborn+" && trap \"\" TERM; sleep 1000 & echo $!; wait'\nTimeoutStopSec=60\n")
	for name, extra := range files {
		d.writeFile(name+".service", ranService(d.dir, name, extra))
	}
	d.start()
	d.waitRunning("b")
	sleep := d.loggedPID("b")
	_ = d.cmd.Process.Kill()
	<-d.exited
	if err := os.Remove(stubborn); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(d.dir, name+".ran"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	next := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{sleep: true}}
	next.launch()
	next.waitLogged("stopping a process left by a previous superd")
	return &leftoversPhase{daemon: next, sleep: sleep}
}

// A command given while superd stops what a crashed superd left, whose
// client stops waiting (--timeout), is carried out once superd is ready,
// as the client is told ("commands carried out, once they are gone"). The
// stop was withdrawn instead: web started, its stop forgotten, and the
// start of job, which has AutoStart=no, was never made.
func TestGivenUpCommandsDuringLeftoversAreCarriedOut(t *testing.T) {
	t.Parallel()
	p := startLeftoversPhase(t, map[string]string{"web": "", "job": "AutoStart=no\n"})
	for _, args := range [][]string{{"stop", "web"}, {"start", "job"}} {
		_, stderr, code := p.cli(append([]string{"--timeout", "1s"}, args...)...)
		if code == 0 || !strings.Contains(stderr, "not done within 1s: superd is starting") || !strings.Contains(stderr, "commands carried out, once they are gone") {
			t.Fatalf("supers --timeout 1s %s while superd stops leftovers: exit %d, %q; want not done, to be carried out", strings.Join(args, " "), code, stderr)
		}
	}
	p.end()
	p.waitRunning("job")
	if st := p.status("web"); st.State != "stopped" {
		t.Errorf("web after its stop: %s; want stopped", st.State)
	}
	if ran := p.ran("web"); ran != "" {
		t.Errorf("web ran %d time(s) though its stop came before superd was ready", strings.Count(ran, "\n"))
	}
	// The state file holds the stop: the next superd keeps web stopped.
	waitFor(t, 10*time.Second, "the stop of web in the state file", func() bool {
		var state struct {
			Stopped []string `json:"stopped"`
		}
		b, _ := os.ReadFile(p.socket + ".state")
		return json.Unmarshal(b, &state) == nil && slices.Contains(state.Stopped, "web")
	})
}

// A stop of a pattern given while superd stops what a crashed superd
// left keeps the services it matches from starting, as a stop by name
// does, even if its client stops waiting (--timeout). supers asked superd
// for its services until it was ready, then stopped them: each was
// started, then stopped, and a one-shot job ran once.
func TestPatternStopDuringLeftoversKeepsServicesFromStarting(t *testing.T) {
	t.Parallel()
	p := startLeftoversPhase(t, map[string]string{"web-1": "", "web-2": "", "api": "", "db": ""})
	_, stderr, code := p.cli("--timeout", "1s", "stop", "web-*", "api")
	if code == 0 || !strings.Contains(stderr, "not done within 1s: superd is starting") {
		t.Fatalf("supers --timeout 1s stop 'web-*' api while superd stops leftovers: exit %d, %q; want not done", code, stderr)
	}
	p.end()
	p.waitRunning("db")
	for _, name := range []string{"web-1", "web-2", "api"} {
		if st := p.status(name); st.State != "stopped" {
			t.Errorf("%s after its stop: %s; want stopped", name, st.State)
		}
		if ran := p.ran(name); ran != "" {
			t.Errorf("%s ran though its stop came before superd was ready", name)
		}
	}
}

// supers stop --all given while superd stops what a crashed superd left
// waits for superd, as a stop by name does, and keeps every service from
// starting: they were all started, then stopped.
func TestStopAllDuringLeftoversKeepsServicesFromStarting(t *testing.T) {
	t.Parallel()
	p := startLeftoversPhase(t, map[string]string{"web": "", "db": ""})
	cmd := exec.Command(filepath.Join(binDir, "supers"), "stop", "--all")
	cmd.Env = append(os.Environ(), "SUPERS_SOCKET="+p.socket)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	// The stop of every service ("*") that supers sends once superd says
	// it is starting.
	p.waitLogged("path=/v1/services/*/stop")
	p.end()
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("supers stop --all: %v: %s", waitErr, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("supers stop --all did not end once superd was ready")
	}
	for _, name := range []string{"web", "db", "b"} {
		if st := p.status(name); st.State != "stopped" {
			t.Errorf("%s after supers stop --all: %s; want stopped", name, st.State)
		}
	}
	for _, name := range []string{"web", "db"} {
		if ran := p.ran(name); ran != "" {
			t.Errorf("%s ran though supers stop --all came before superd was ready", name)
		}
	}
	if got := out.String(); strings.Count(got, "stopped") != 3 {
		t.Errorf("supers stop --all printed %q; want the three services stopped", got)
	}
}
