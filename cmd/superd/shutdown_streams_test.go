//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// lineBuffer collects a command's output lines as they come.
type lineBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *lineBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, line)
}

func (b *lineBuffer) all() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...)
}

func (b *lineBuffer) contains(sub string) bool {
	for _, l := range b.all() {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// startCLI runs supers with args against d in the background; its stdout
// lines go to the returned buffer, its exit code and stderr to the channel.
func startCLI(t *testing.T, d *daemon, args ...string) (*lineBuffer, <-chan [2]string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "supers"), args...)
	cmd.Env = append(cmd.Environ(), "SUPERS_SOCKET="+d.socket)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := &lineBuffer{}
	done := make(chan [2]string, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.add(sc.Text())
		}
		err := cmd.Wait()
		code := "0"
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = strconv.Itoa(ee.ExitCode())
		}
		done <- [2]string{code, stderr.String()}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	return out, done
}

// A client following events (supers events -f, or the API's follow=true)
// while superd shuts down sees the stop of every service superd stops on
// its way out, then the end of the stream; a log follower sees its stream
// end too. Before, the streams ended first, and the stops went to the
// webhooks only.
func TestShutdownFollowersSeeEveryStop(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"a.service": "[Service]\nExecStart=/bin/sleep 600\n",
		"b.service": "[Service]\nExecStart=/bin/sh -c 'trap \"echo bye; exit 0\" TERM; echo hi; while :; do sleep 0.1; done'\n",
	})
	d.start()
	a, b := d.waitRunning("a"), d.waitRunning("b")

	events, evDone := startCLI(t, d, "--json", "events", "-f")
	logs, logsDone := startCLI(t, d, "logs", "-f", "b")
	// The Go client, as a dashboard would follow them.
	type result struct {
		events []notify.Event
		err    error
	}
	goDone := make(chan result, 1)
	var goMu sync.Mutex
	var goSeen []notify.Event
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() {
		err := d.client.Events(ctx, "", true, func(e notify.Event) error {
			goMu.Lock()
			goSeen = append(goSeen, e)
			goMu.Unlock()
			return nil
		})
		goMu.Lock()
		defer goMu.Unlock()
		goDone <- result{goSeen, err}
	}()
	started := func(n int) bool { // both start events of the history
		goMu.Lock()
		defer goMu.Unlock()
		return len(goSeen) >= n
	}
	waitFor(t, 20*time.Second, "the followers connected", func() bool {
		return events.contains(`"service":"a"`) && events.contains(`"service":"b"`) &&
			logs.contains("hi") && started(2)
	})

	if err := d.terminate(); err != nil {
		t.Fatalf("superd: %v", err)
	}
	wait := func(c <-chan [2]string, what string) [2]string {
		select {
		case r := <-c:
			return r
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not end after superd's shutdown", what)
			return [2]string{}
		}
	}
	ev := wait(evDone, "supers events -f")
	stops := map[string]int{}
	for _, l := range events.all() {
		var e notify.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("events -f printed %q: %v", l, err)
		}
		if e.Type == notify.TypeStop {
			stops[e.Service] = e.PID
		}
	}
	if stops["a"] != a.PID || stops["b"] != b.PID {
		t.Errorf("supers events -f saw the stops %v, want a=%d and b=%d; it printed:\n%s", stops, a.PID, b.PID, strings.Join(events.all(), "\n"))
	}
	if ev[0] != "1" || ev[1] != "supers: superd closed the event stream\n" {
		t.Errorf("supers events -f ended with %s, %q; want 1 and superd closed the event stream", ev[0], ev[1])
	}
	lg := wait(logsDone, "supers logs -f")
	if lg[0] != "1" || lg[1] != "supers: superd closed the log stream\n" {
		t.Errorf("supers logs -f ended with %s, %q; want 1 and superd closed the log stream", lg[0], lg[1])
	}

	var r result
	select {
	case r = <-goDone:
	case <-time.After(20 * time.Second):
		t.Fatal("Client.Events did not return after superd's shutdown")
	}
	if r.err != nil {
		t.Errorf("Client.Events after superd's shutdown: %v, want nil (the stream closed)", r.err)
	}
	goStops := map[string]bool{}
	for _, e := range r.events {
		if e.Type == notify.TypeStop {
			goStops[e.Service] = true
		}
	}
	if !goStops["a"] || !goStops["b"] {
		t.Errorf("Client.Events saw the stops %v, want a and b", goStops)
	}
}

// A command that arrives once superd's shutdown has begun is refused
// clearly and at once, while a slow service is still stopping: the socket
// is gone (supers says superd is not reachable), and the HTTP API no longer
// takes connections.
func TestShutdownRefusesNewCommands(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"slow.service": "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; echo armed; while :; do sleep 0.1; done'\nTimeoutStopSec=5s\n",
	})
	d.start()
	slowPID := d.waitRunning("slow").PID
	waitFor(t, 10*time.Second, "slow armed", func() bool {
		out, _, _ := d.cli("logs", "slow")
		return strings.Contains(out, "armed")
	})
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, 10*time.Second, "the socket removed", func() bool {
		_, err := os.Lstat(d.socket)
		return errors.Is(err, fs.ErrNotExist)
	})
	if st, err := readProc(slowPID); err != nil || st.state == "Z" {
		t.Fatalf("slow is not stopping any more: %+v, %v", st, err)
	}
	start := time.Now()
	_, errOut, code := d.cli("--timeout", "20s", "status")
	if code != 1 || !strings.Contains(errOut, "cannot reach superd") || time.Since(start) > 5*time.Second {
		t.Errorf("supers status during the shutdown: code %d after %v (%q); want a refusal at once", code, time.Since(start), errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var unreachable *transport.UnreachableError
	if _, err := d.client.Start(ctx, "slow"); !errors.As(err, &unreachable) {
		t.Errorf("Start during the shutdown: %v, want superd unreachable", err)
	}
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("superd did not exit")
	}
}
