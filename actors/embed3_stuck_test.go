//go:build linux

package actors_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// traceesEnv names, comma-separated, the processes the tracer helper
// attaches to.
const traceesEnv = "SUPERS_EMBED_TEST_TRACEES"

// TestEmbedHelperTracer is not a test: run by the test binary in a process
// of its own, it attaches to the processes traceesEnv names with ptrace
// (as a debugger or strace -p does), says "SEIZED", and then never waits
// for them, until its stdin closes: their exits are its to collect first,
// and their parent cannot reap them meanwhile. SIGKILL does not end them
// for their parent, as it does not a process stuck in the kernel.
func TestEmbedHelperTracer(t *testing.T) {
	list := os.Getenv(traceesEnv)
	if list == "" {
		t.Skip("a helper process of TestEmbedStopAndRunEndWhenSIGKILLDoesNot")
	}
	runtime.LockOSThread() // the tracer is this thread: it must not exit
	for _, s := range strings.Split(list, ",") {
		pid, err := strconv.Atoi(s)
		if err != nil {
			fmt.Println("FAIL:", err)
			os.Exit(1)
		}
		if err := unix.PtraceSeize(pid); err != nil {
			fmt.Println("NOPTRACE:", err)
			os.Exit(0)
		}
	}
	fmt.Println("SEIZED")
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// A service whose process SIGKILL does not make go away (stuck in the
// kernel; here, held by a tracer) does not hang its stop, nor Run: the
// stop gives it up a moment after the SIGKILL and says so in the status,
// and Run returns once its shutdown has given up the same way.
func TestEmbedStopAndRunEndWhenSIGKILLDoesNot(t *testing.T) {
	var svcs []*config.Service
	for _, name := range []string{"stopped", "shutdown"} {
		s := config.New(name, "/bin/sleep", "300")
		s.TimeoutStopSec = 300 * time.Millisecond
		svcs = append(svcs, s)
	}
	sup, cancel, ran := embedded(t, actors.Config{Services: svcs})
	ctx := context.Background()
	var pids []string
	for _, s := range svcs {
		st, err := sup.Status(ctx, s.Name)
		if err != nil || st.PID == 0 {
			t.Fatalf("%s: %+v, %v", s.Name, st, err)
		}
		pids = append(pids, strconv.Itoa(st.PID))
	}

	tracer := exec.Command(os.Args[0], "-test.run=^TestEmbedHelperTracer$")
	tracer.Env = append(os.Environ(), traceesEnv+"="+strings.Join(pids, ","))
	stdin, err := tracer.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := tracer.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := tracer.Start(); err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if released {
			return
		}
		released = true
		stdin.Close()
		_ = tracer.Wait()
		// Once the tracer lets them go, the processes are zombies that
		// nobody reaps any more (Run has returned): reap them here.
		for _, s := range pids {
			pid, _ := strconv.Atoi(s)
			deadline := time.Now().Add(10 * time.Second)
			for {
				var ws unix.WaitStatus
				got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
				if got == pid || errors.Is(err, unix.ECHILD) || time.Now().After(deadline) {
					break
				}
				if err == nil && got == 0 {
					_ = unix.Kill(pid, unix.SIGKILL)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	defer release()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	switch {
	case strings.HasPrefix(line, "NOPTRACE"):
		t.Skipf("cannot trace the services here: %s", strings.TrimSpace(line))
	case !strings.HasPrefix(line, "SEIZED"):
		t.Fatalf("tracer said %q", line)
	}

	// groupKillWait (2s) after the SIGKILL, which comes TimeoutStopSec
	// after the SIGTERM; the rest is room for a loaded machine.
	const bound = 15 * time.Second
	begun := time.Now()
	st, err := sup.Stop(ctx, "stopped")
	if took := time.Since(begun); err != nil || took > bound {
		t.Fatalf("Stop = %+v, %v after %v; want an answer within %v", st, err, took, bound)
	}
	if st.State != actors.StateStopped || st.PID != 0 || !strings.Contains(st.Error, "SIGKILL") {
		t.Errorf("Stop = %+v; want stopped, without a pid, its error saying what SIGKILL left", st)
	}

	t.Logf("stopped: %q", st.Error)
	begun = time.Now()
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(bound + 15*time.Second): // the shutdown's own waits too
		t.Fatalf("Run did not return %v after its context was canceled", time.Since(begun))
	}
	release()
}
