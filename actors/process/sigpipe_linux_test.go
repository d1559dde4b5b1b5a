//go:build linux

package process

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// sigpipeMask is SIGPIPE's bit in the SigIgn of /proc/PID/status.
const sigpipeMask = 1 << (syscall.SIGPIPE - 1)

// sigpipeSequence is what sigpipeHelper starts: each child's
// Spec.IgnoreSIGPIPE, switching several times, and once the same twice.
var sigpipeSequence = []bool{true, false, true, true, false, false, true, false}

// sigpipeHelper runs a subreaper Manager, as superd does, starts a sleep
// for each of sigpipeSequence with that IgnoreSIGPIPE, and prints
// "SIGPIPE" and, for each, whether the child ignores SIGPIPE (1 or 0).
func sigpipeHelper() int {
	m, err := NewManager(Options{Subreaper: true})
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	defer m.Close()
	got := []string{"SIGPIPE"}
	for _, ignore := range sigpipeSequence {
		mask, err := startedSigIgn(m, Spec{IgnoreSIGPIPE: ignore})
		if err != nil {
			fmt.Println("FAIL:", err)
			return 1
		}
		if mask&sigpipeMask != 0 {
			got = append(got, "1")
		} else {
			got = append(got, "0")
		}
	}
	fmt.Println(strings.Join(got, " "))
	return 0
}

// A subreaper Manager (superd's) starts each child with SIGPIPE ignored or
// at its default action, as its Spec says, and switches back and forth:
// the Go runtime resets a handled signal to its default action in the
// child, so a disposition set with sigaction alone would never reach it.
func TestChildSIGPIPEFollowsSpec(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=sigpipe")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	want := []string{"SIGPIPE"}
	for _, ignore := range sigpipeSequence {
		if ignore {
			want = append(want, "1")
		} else {
			want = append(want, "0")
		}
	}
	if got := strings.TrimSpace(string(out)); got != strings.Join(want, " ") {
		t.Errorf("SIGPIPE ignored by each child = %q, want %q (IgnoreSIGPIPE of each: %v)", got, strings.Join(want, " "), sigpipeSequence)
	}
}

// Without Subreaper the Manager leaves the program's dispositions alone:
// the child gets the program's SIGPIPE (a Go program handles it, so the
// child starts with the default action) whatever its Spec says.
func TestChildSIGPIPEIsTheProgramsWithoutSubreaper(t *testing.T) {
	m, err := NewManager(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	mask, err := startedSigIgn(m, Spec{IgnoreSIGPIPE: true})
	if err != nil {
		t.Fatal(err)
	}
	if mask&sigpipeMask != 0 {
		t.Errorf("SigIgn of the child = %x: SIGPIPE ignored, want the program's (handled) disposition, reset by exec", mask)
	}
	if signal.Ignored(syscall.SIGPIPE) {
		t.Error("the Manager without Subreaper made the program ignore SIGPIPE")
	}
}

// sigpipeNoSwitchHelper runs a subreaper Manager that starts one child
// with IgnoreSIGPIPE false, which switches nothing (the program handles
// SIGPIPE as it is), then writes to its stdout, a pipe whose reader is
// gone: it exits 0 if the write failed with EPIPE.
func sigpipeNoSwitchHelper() int {
	m, err := NewManager(Options{Subreaper: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer m.Close()
	if _, err := startedSigIgn(m, Spec{}); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	if _, err := os.Stdout.WriteString("to a closed pipe\n"); !errors.Is(err, syscall.EPIPE) {
		fmt.Fprintln(os.Stderr, "FAIL: write:", err)
		return 1
	}
	return 0
}

// A subreaper Manager owns the program's SIGPIPE from its creation: a
// program whose services all had IgnoreSIGPIPE=no (nothing to switch)
// kept Go's default, and a write to its closed stdout ended it.
func TestSubreaperManagerHandlesSIGPIPEFromTheStart(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=sigpipe-noswitch")
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	w.Close()
	if err != nil {
		t.Fatalf("helper: %v (a write to a closed stdout ended it?)\n%s", err, stderr.String())
	}
}
