//go:build linux

package process

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
)

// A process that left its service's process group and session and cleared
// its environment (setsid env -i) carries no marker: Strays finds it, and
// its descendants, by the stdout pipe the service was given (Handle.Pipes),
// also when that pipe is held on a descriptor other than stdout; not a
// process that holds none of the pipes, nor one the Manager started.
func TestStraysFindsPipeHolders(t *testing.T) {
	m := newManager(t, Options{Logger: discardLogger()})
	r, w := pipe(t)
	main := start(t, m, Spec{
		Argv: []string{"/bin/sh", "-c", `
setsid env -i /bin/sh -c 'sleep 1001 & echo esc $$; echo esc $!; wait' &
setsid env -i /bin/sh -c 'exec sleep 1003' 5>&1 >/dev/null 2>&1 & echo esc $!
setsid env -i sleep 1002 >/dev/null 2>&1 & echo other $!
exec sleep 1004`},
		Env:    []string{"PATH=" + os.Getenv("PATH")},
		Stdout: w,
	})
	var st syscall.Stat_t
	if err := syscall.Fstat(int(w.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	if main.Pipes != [2]uint64{st.Ino, 0} {
		t.Fatalf("Handle.Pipes %v, want [%d 0] (stdout a pipe, stderr /dev/null)", main.Pipes, st.Ino)
	}
	// A live process the Manager started, holding the pipe: not a stray.
	peer := start(t, m, Spec{Argv: []string{"/bin/sleep", "1005"}, Stdout: w})
	w.Close()
	br := bufio.NewReader(r)
	var escaped, others []int
	for range 4 {
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
			fields, ok := statFields(pid)
			return err == nil && ok && fields[2] != strconv.Itoa(main.PGID) &&
				(string(comm) == "sleep\n" || string(comm) == "sh\n" && fields[2] == strconv.Itoa(pid))
		})
	}
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

	if s := m.findStrays("SUPERD_MARKER=test:none"); len(s) != 0 {
		t.Fatalf("strays found by a marker nobody carries: %d", len(s))
	}
	strays := m.findStrays("SUPERD_MARKER=test:none", main.Pipes[:]...)
	defer func() {
		for _, s := range strays {
			s.Close()
		}
	}()
	var found []int
	for _, s := range strays {
		found = append(found, s.PID)
	}
	slices.Sort(found)
	want := slices.Sorted(slices.Values(escaped))
	if !slices.Equal(found, want) {
		t.Fatalf("strays %v, want %v (not %v, nor the peer %d)", found, want, others, peer.PID)
	}
	for _, s := range strays {
		if err := s.Signal("SIGKILL"); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range strays {
		waitFor(t, "the killed stray to exit", s.Exited)
	}
	for _, pid := range others {
		if gone(pid) {
			t.Fatalf("process %d, which holds none of the pipes, was killed", pid)
		}
	}
}
