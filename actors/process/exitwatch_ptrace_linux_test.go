//go:build linux

package process

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// traceeEnv names the process the "tracer" helper attaches to.
const traceeEnv = "SUPERS_PROCESS_TEST_TRACEE"

// tracerHelper attaches to the process traceeEnv names with ptrace (as a
// debugger or strace -p does), says "SEIZED", and then never waits for
// it, until its stdin closes: the exit of the tracee is the tracer's to
// collect first, and its parent cannot reap it meanwhile.
func tracerHelper() int {
	pid, err := strconv.Atoi(os.Getenv(traceeEnv))
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	if err := unix.PtraceSeize(pid); err != nil {
		fmt.Println("NOPTRACE:", err)
		return 0
	}
	fmt.Println("SEIZED")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// A child that has exited while a tracer holds it (a debugger attached
// to the service, stopped, or strace -p suspended) has a readable pidfd
// but cannot be reaped until the tracer lets go of it. The exit poller
// polled it again at once, for as long as that lasted: a busy loop taking
// a whole CPU. The child is handed to the SIGCHLD passes instead, which
// reap it once the tracer has released it.
func TestTracedZombieDoesNotSpinThePoller(t *testing.T) {
	if !pidfdsWork() {
		t.Skip("no pidfds")
	}
	m := newManagerMode(t, Options{}, true)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "go")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	release, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer release.Close()
	p := start(t, m, Spec{Argv: []string{"/bin/sh", "-c", `exec 3<"$1"; read x <&3; exit 5`, "sh", fifo}})

	tracer := runHelper(t, "tracer")
	tracer.Env = append(tracer.Env, traceeEnv+"="+strconv.Itoa(p.PID))
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
	defer func() {
		stdin.Close()
		_ = tracer.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	switch {
	case strings.HasPrefix(line, "NOPTRACE"):
		t.Skip(line)
	case err != nil || line != "SEIZED\n":
		t.Fatalf("tracer: %q, %v", line, err)
	}

	// The child exits; the tracer does not collect it.
	if _, err := release.WriteString("go\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the child to be a zombie", func() bool {
		st, ok := procState(p.PID)
		return ok && st == 'Z'
	})
	select {
	case <-p.done:
		t.Fatalf("exit %v reported while the tracer holds the child", p.exit)
	default:
	}
	waitFor(t, "the child's pidfd to leave the exit poller", func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		c := m.procs[p.PID]
		return c != nil && !c.watched
	})

	// The tracer lets go: the exit is reaped and reported, once.
	stdin.Close()
	if e := p.wait(t); e.Code != 5 {
		t.Errorf("exit %v, want exit code 5", e)
	}
	if err := tracer.Wait(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("tracer: %v", err)
	}
}
