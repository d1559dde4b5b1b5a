//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCheckValidatesDaemonConf: superd --check validates superd.conf too,
// since superd refuses to start with an invalid one; a check that passed
// would promise a start that then fails.
func TestCheckValidatesDaemonConf(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("web.service", "[Service]\nExecStart=/bin/sleep 100\n")
	write("superd.conf", "[Webhook \"ops\"]\nURL=ftp://example.com/\nBogus=1\n")

	var stdout, stderr bytes.Buffer
	if code := check(dir, &stdout, &stderr, (&cli{}).hostProblems, nil); code != 1 {
		t.Fatalf("check = %d, want 1 for an invalid superd.conf\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"superd.conf:2", "URL", "superd.conf:3", "Bogus"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}

	// A valid superd.conf passes, and the services are counted as before.
	write("superd.conf", "[Webhook \"ops\"]\nURL=https://example.com/hook\n")
	stdout.Reset()
	stderr.Reset()
	if code := check(dir, &stdout, &stderr, (&cli{}).hostProblems, nil); code != 0 {
		t.Fatalf("check = %d, want 0\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "1 service file(s) valid") {
		t.Errorf("stdout = %q", stdout.String())
	}
}

// TestSocketLockHeldUntilServicesStopped: while superd shuts down, stopping
// services that take their time, it keeps the socket's lock: a second
// superd on the same socket refuses to start, rather than killing the
// first one's services and running them again beside it.
func TestSocketLockHeldUntilServicesStopped(t *testing.T) {
	trapped := filepath.Join(t.TempDir(), "trapped")
	d := newDaemon(t, map[string]string{
		"stubborn.service": "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; touch " + trapped + "; while :; do sleep 0.1; done'\nTimeoutStopSec=120s\n",
	})
	d.start()
	st := d.waitRunning("stubborn")
	t.Cleanup(func() { _ = syscall.Kill(-st.PID, syscall.SIGKILL) })
	// Running is not enough: the shell must have set its trap, or the
	// SIGTERM of the shutdown ends it at once (seen on a loaded machine).
	waitFor(t, 20*time.Second, "the service's trap set", func() bool {
		_, err := os.Stat(trapped)
		return err == nil
	})

	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Shutdown is under way once the API stops serving (the socket goes).
	waitFor(t, 20*time.Second, "the socket removed", func() bool {
		_, err := os.Lstat(d.socket)
		return errors.Is(err, fs.ErrNotExist)
	})
	select {
	case <-d.exited:
		t.Fatalf("superd exited before its service stopped: %v\n%s", d.exitErr, d.stderr.String())
	default:
	}

	second := exec.Command(filepath.Join(binDir, "superd"),
		"--config-dir", d.dir, "--log-dir", d.logDir+"2", "--socket", d.socket)
	second.Env = append(os.Environ(), "SUPERS_SOCKET=")
	var out syncBuffer
	second.Stdout, second.Stderr = &out, &out
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("second superd: %v, want exit status 1\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "another superd is running") {
			t.Errorf("second superd's output lacks \"another superd is running\":\n%s", out.String())
		}
		// It names the one that runs.
		if holder := fmt.Sprintf("pid %d holds", d.cmd.Process.Pid); !strings.Contains(out.String(), holder) {
			t.Errorf("second superd's output lacks %q:\n%s", holder, out.String())
		}
	case <-time.After(20 * time.Second):
		_ = second.Process.Kill() // its children die with it (parent-death signal)
		<-done
		t.Errorf("a second superd started on the socket of one still shutting down:\n%s", out.String())
	}
	if !alive(st.PID) {
		t.Errorf("the first superd's service %d was killed by the second superd", st.PID)
	}

	// Let the first superd finish: the stop it waits for is over.
	_ = syscall.Kill(-st.PID, syscall.SIGKILL)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("superd did not exit once its service was gone\n%s", d.stderr.String())
	}
	if _, err := os.Lstat(d.socket); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
}

// TestCheckMissingDir: a config dir that cannot be read is reported as
// such, not counted as an invalid service file.
func TestCheckMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	var stdout, stderr bytes.Buffer
	if code := check(dir, &stdout, &stderr, (&cli{}).hostProblems, nil); code != 1 {
		t.Fatalf("check = %d, want 1\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "no such file or directory") {
		t.Errorf("stderr does not say why: %q", stderr.String())
	}
	if strings.Contains(stderr.String(), "service file(s) invalid") {
		t.Errorf("a missing dir is counted as an invalid service file: %q", stderr.String())
	}
}
