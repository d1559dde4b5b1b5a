//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/supers-dev/supers/notify"
)

// buildSupers builds the supers binary for the test and returns its path.
func buildSupers(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the supers binary")
	}
	bin := filepath.Join(t.TempDir(), "supers")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building supers: %v\n%s", err, out)
	}
	return bin
}

// stuckWriting reports whether the process pid has a thread asleep in a
// write to a pipe, as /proc/PID/task/*/wchan tells; known is false when
// the kernel does not say where its threads sleep.
func stuckWriting(pid int) (stuck, known bool) {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "wchan"))
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		w := strings.TrimSpace(string(b))
		if w != "" && w != "0" {
			known = true
		}
		if strings.Contains(w, "pipe_write") {
			return true, true
		}
	}
	return false, known
}

// pipeFull reports whether the pipe whose read end is r has less than a
// page free: a write to it blocks, unless it is a small one.
func pipeFull(t *testing.T, r *os.File) bool {
	t.Helper()
	size, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ) // FIONREAD
	if err != nil {
		t.Fatal(err)
	}
	return n+os.Getpagesize() > size
}

// TestFollowSignalWhileStdoutBlocked: logs -f (one service, several) and
// events -f whose stdout is a pipe nobody reads, stuck in a write to it,
// end on the first SIGINT or SIGTERM with exit 0, as documented, instead
// of waiting for a SIGKILL.
func TestFollowSignalWhileStdoutBlocked(t *testing.T) {
	bin := buildSupers(t)
	chunk := strings.Repeat(strings.Repeat("x", 99)+"\n", 320) // 32000 bytes
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"logs", []string{"logs", "-f", "-n", "0", "web"}},
		{"logs several", []string{"logs", "-f", "-n", "0", "web", "db"}},
		{"events", []string{"events", "-f"}},
	} {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(tc.name+" "+sig.String(), func(t *testing.T) {
				fb := withLogs()
				fb.logLive = make(chan string) // never closed
				fb.live = make(chan notify.Event)
				socket := startDaemon(t, fb)
				stopFeed := make(chan struct{})
				fed := make(chan struct{})
				t.Cleanup(func() { close(stopFeed); <-fed })
				// Output comes faster than anyone reads it.
				go func() {
					defer close(fed)
					e := eventFixture()[0]
					for {
						select {
						case fb.logLive <- chunk:
						case fb.live <- e:
						case <-stopFeed:
							return
						}
					}
				}()

				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close() // never read
				var stderr syncBuffer
				cmd := exec.Command(bin, append([]string{"--socket", socket}, tc.args...)...)
				cmd.Env = append(os.Environ(), "SUPERS_SOCKET=", "SUPERS_URL=")
				cmd.Stdout, cmd.Stderr = w, &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				w.Close()
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				done := false
				t.Cleanup(func() {
					if !done {
						_ = cmd.Process.Kill()
						<-exited
					}
				})

				waitUntil(t, 20*time.Second, "supers stuck writing to its stdout", func() bool {
					select {
					case err := <-exited:
						done = true
						t.Fatalf("supers exited early (%v): %s", err, stderr.String())
					default:
					}
					// Where the kernel does not tell, a full pipe
					// shows that supers writes more than it takes.
					stuck, known := stuckWriting(cmd.Process.Pid)
					return stuck || !known && pipeFull(t, r)
				})
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				select {
				case err := <-exited:
					done = true
					var exit *exec.ExitError
					if err != nil && !errors.As(err, &exit) {
						t.Fatal(err)
					}
					if code := cmd.ProcessState.ExitCode(); code != exitOK || stderr.String() != "" {
						t.Errorf("exit code %d (%v), stderr %q", code, cmd.ProcessState, stderr.String())
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("supers still runs 10s after %v, stuck writing to its stdout", sig)
				}
			})
		}
	}
}
