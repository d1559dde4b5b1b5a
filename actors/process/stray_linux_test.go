//go:build linux

package process

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Strays finds the processes carrying a marker that left their service's
// process group and outlived its main process, and their descendants that
// carry it too; not the processes the Manager started, not those of another
// marker, not those that cleared their environment. A Stray is signalled
// through its pidfd and sees its exit.
func TestStraysFindsEscapedProcesses(t *testing.T) {
	m := newManager(t, Options{Logger: discardLogger()})
	const entry = "STRAY_TEST_MARK=svc"
	env := append(os.Environ(), entry)
	r, w := pipe(t)
	// Prints a line for each process: "esc PID" for an escaped sleep, an
	// escaped shell and its child; "other PID" for a process of another
	// marker and one with no marker.
	main := start(t, m, Spec{
		Argv: []string{"/bin/sh", "-c", `
setsid sleep 1000 & echo esc $!
setsid sh -c 'sleep 1001 & echo esc $!; wait' & echo esc $!
STRAY_TEST_MARK=other setsid sleep 1002 & echo other $!
env -u STRAY_TEST_MARK setsid sleep 1003 & echo other $!
exec sleep 1004`},
		Env:    env,
		Stdout: w,
	})
	w.Close()
	escaped, others := backgroundPIDs(t, r, 5, main.PGID)
	// A live process the Manager started, with the marker: not a stray.
	peer := start(t, m, Spec{Argv: []string{"/bin/sleep", "1005"}, Env: env})

	if err := SignalGroup(main.PGID, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	main.wait(t)
	for _, pid := range append(escaped, others...) {
		waitFor(t, "the escaped processes to be reparented", func() bool {
			ppid, ok := procPPID(pid)
			return ok && ppid != main.PID
		})
	}

	strays := m.findStrays(entry)
	defer func() {
		for _, s := range strays {
			s.Close()
		}
	}()
	found := strayPIDs(strays)
	want := slices.Sorted(slices.Values(escaped))
	if !slices.Equal(found, want) {
		t.Fatalf("strays %v, want %v (not %v, nor the peer %d)", found, want, others, peer.PID)
	}
	if m.Strays(entry) != nil {
		t.Error("Strays of a Manager that is not a subreaper found processes")
	}
	killStrays(t, strays)
	for _, pid := range others {
		if gone(pid) {
			t.Fatalf("process %d, not a stray of the marker, was killed", pid)
		}
	}
}

// A process in the middle of an execve shows no environment for a moment
// (a wrapper script exec'ing its daemon): openMarked still recognises it
// by its marker, instead of missing that stray for good.
func TestOpenMarkedThroughExec(t *testing.T) {
	const entry = "SUPERD_MARKER=test:exec"
	for range 20 {
		cmd := exec.Command("/bin/sh", "-c", `exec /bin/sh -c 'exec /bin/sh -c "exec /bin/sh -c \"exec /bin/sleep 1000\""'`)
		cmd.Env = []string{entry}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		seen, misses := false, 0
		// Read for 100 ms, and on until it was seen once (a busy
		// machine may run this loop late): the process is killed only
		// after, so that it is never a zombie while being read.
		began := time.Now()
		for time.Since(began) < 100*time.Millisecond || !seen && time.Since(began) < 10*time.Second {
			s, ok := openMarked(pid, []byte(entry))
			if ok {
				seen = true
				s.close()
			} else if seen {
				misses++
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if !seen {
			t.Fatal("the marked process was never recognised")
		}
		if misses > 0 {
			t.Fatalf("the marked process was not recognised %d times while it exec'd", misses)
		}
	}
}

// backgroundPIDs reads n "KIND PID" lines from r, as the test services
// print them, and splits the pids into those of kind "esc" and the others;
// it kills them all when the test ends, and waits until each has exec'd
// its program (its environment is its own) and left the group pgid.
func backgroundPIDs(t *testing.T, r io.Reader, n, pgid int) (escaped, others []int) {
	t.Helper()
	br := bufio.NewReader(r)
	for range n {
		var kind string
		var pid int
		if _, err := fmt.Fscanln(br, &kind, &pid); err != nil {
			t.Fatalf("read pid: %v", err)
		}
		if kind == "esc" {
			escaped = append(escaped, pid)
		} else {
			others = append(others, pid)
		}
	}
	t.Cleanup(func() {
		for _, pid := range append(escaped, others...) {
			killOrphan(t, pid)
		}
	})
	for _, pid := range append(escaped, others...) {
		waitFor(t, "the background processes to set up", func() bool {
			comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
			fields, ok := pidStatFields(pid)
			return err == nil && ok && fields[2] != strconv.Itoa(pgid) &&
				(string(comm) == "sleep\n" || string(comm) == "sh\n" && fields[2] == strconv.Itoa(pid))
		})
	}
	return escaped, others
}

// strayPIDs returns the pids of strays, sorted.
func strayPIDs(strays []*Stray) []int {
	var pids []int
	for _, s := range strays {
		pids = append(pids, s.PID)
	}
	slices.Sort(pids)
	return pids
}

// killStrays SIGKILLs strays, each still running, and waits until they
// have exited.
func killStrays(t *testing.T, strays []*Stray) {
	t.Helper()
	for _, s := range strays {
		if s.Exited() {
			t.Fatalf("stray %d exited", s.PID)
		}
		if err := s.Signal("SIGKILL"); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range strays {
		waitFor(t, "the killed stray to exit", s.Exited)
	}
}
