//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// socketFDs counts the sockets process pid has open.
func socketFDs(t *testing.T, pid int) int {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}

// Commands that wait for superd's start while it stops what a SIGKILLed
// superd left, and that superd's shutdown then refuses, are answered 503
// "superd is shutting down", as during a shutdown after the start. The
// connections were closed before the answer: supers said that what
// answers at the socket "closed the connection without answering: it
// does not speak superd's API".
//
// Were Run to close the API at once again, whether an answer got out
// before its connection was cut would be a race, which the race-built
// binaries often win, and this test would pass:
// TestCommandsWaitingForLeftoversAnsweredBeforeAPICloses (actors) fails
// then whatever the timing; this one checks what supers says.
func TestCommandsWaitingForLeftoversAtShutdownSayShuttingDown(t *testing.T) {
	t.Parallel()
	next := stoppingLeftovers(t)
	pid := next.cmd.Process.Pid
	base := socketFDs(t, pid)
	cmds := [][]string{{"stop", "b"}, {"start", "b"}, {"reload"}}
	type result struct {
		args   []string
		stderr string
		code   int
	}
	results := make(chan result, len(cmds))
	for _, args := range cmds {
		// Not runCLIWith, whose t.Fatalf must not run outside the
		// test's goroutine.
		cmd := exec.Command(filepath.Join(binDir, "supers"), args...)
		cmd.Env = append(os.Environ(), "SUPERS_SOCKET="+next.socket)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("supers %v: %v", args, err)
		}
		go func() {
			_ = cmd.Wait()
			results <- result{args, stderr.String(), cmd.ProcessState.ExitCode()}
		}()
	}
	// superd has accepted their connections; they wait for its start.
	waitFor(t, 20*time.Second, "superd to accept the commands' connections", func() bool {
		return socketFDs(t, pid) >= base+len(cmds)
	})
	if err := next.terminate(); err != nil {
		t.Fatalf("superd's exit: %v\n%s", err, next.stderr.String())
	}
	for range cmds {
		r := <-results
		if r.code == 0 || !strings.Contains(r.stderr, "superd is shutting down") || strings.Contains(r.stderr, "closed the connection") {
			t.Errorf("supers %s at superd's shutdown during its start: exit %d, %q; want \"superd is shutting down\"", strings.Join(r.args, " "), r.code, r.stderr)
		}
	}
}
