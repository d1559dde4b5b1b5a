//go:build linux

package actors_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// subreaperChildEnv makes the test binary run the embedding side of
// TestEmbedSubreaperWithoutStateFileStopsEscapees: a subreaper changes the
// whole process, so it runs in a process of its own.
const subreaperChildEnv = "SUPERS_TEST_SUBREAPER_DIR"

// procState returns the state letter of process pid ("" if it is gone).
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2 : i+3]
	}
	return ""
}

// An embedding program that is a subreaper (PID 1 in a container) but keeps
// no state file: a stop still ends the processes that left the service's
// group, found by a marker of the run.
func TestEmbedSubreaperWithoutStateFileStopsEscapees(t *testing.T) {
	if dir := os.Getenv(subreaperChildEnv); dir != "" {
		subreaperChild(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmbedSubreaperWithoutStateFileStopsEscapees$", "-test.v")
	cmd.Env = append(os.Environ(), subreaperChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	// Whatever happened, the escaped process must not outlive the test.
	if b, rerr := os.ReadFile(filepath.Join(dir, "pid")); rerr == nil {
		if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 {
			if st := procState(pid); st != "" && st != "Z" {
				t.Errorf("the escaped process %d is still running (state %s)", pid, st)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if err != nil {
		t.Fatalf("embedding process: %v\n%s", err, out)
	}
}

// subreaperChild runs a subreaper supervisor without a state file, stops a
// service whose child called setsid, and fails unless that child is gone.
func subreaperChild(t *testing.T, dir string) {
	pidFile := filepath.Join(dir, "pid")
	svc := config.New("esc", "/bin/sh", "-c", "setsid sleep 1001 & echo $! > "+pidFile+"; exec sleep 1000")
	sup, cancel, ran := embedded(t, actors.Config{Subreaper: true, LogDir: dir, Services: []*config.Service{svc}})
	defer cancel()
	var pid int
	deadline := time.Now().Add(20 * time.Second)
	for pid == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the service did not write its escaped child's pid")
		}
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for procState(pid) == "" || !strings.Contains(readCmdline(pid), "1001") {
		if time.Now().After(deadline) {
			t.Fatalf("escaped process %d never ran sleep", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := sup.Stop(context.Background(), "esc"); err != nil {
		t.Fatal(err)
	}
	for st := procState(pid); st != "" && st != "Z"; st = procState(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("after the stop, the process that left the group (%d) still runs (state %s)", pid, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}

// readCmdline returns process pid's command line, its arguments joined by
// spaces.
func readCmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.ReplaceAll(string(b), "\x00", " ")
}
