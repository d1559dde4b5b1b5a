//go:build linux

package process

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	escaped, others := backgroundPIDs(t, r, 4, main.PGID)
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
	found := strayPIDs(strays)
	want := slices.Sorted(slices.Values(escaped))
	if !slices.Equal(found, want) {
		t.Fatalf("strays %v, want %v (not %v, nor the peer %d)", found, want, others, peer.PID)
	}
	killStrays(t, strays)
	for _, pid := range others {
		if gone(pid) {
			t.Fatalf("process %d, which holds none of the pipes, was killed", pid)
		}
	}
}

// A process that carries another service's marker is not the service's,
// even if it holds one of its pipes, and its descriptors are not read: a
// stop looks at every process superd adopted, other services' daemons
// included, however many descriptors they have. One that carries the
// service's marker is taken without its descriptors being read either;
// one that carries no marker is looked for by the pipes, its stdout
// first.
func TestStraysSkipOtherMarkersUnread(t *testing.T) {
	m := newManager(t, Options{Logger: discardLogger()})
	r, w := pipe(t)
	main := start(t, m, Spec{
		Argv: []string{"/bin/sh", "-c", `
setsid env -i SUPERD_MARKER=test:other /bin/sh -c 'exec sleep 1010' & echo other $!
setsid env -i SUPERD_MARKER=test:other /bin/sh -c 'exec sleep 1011' 5>&1 >/dev/null 2>&1 & echo other $!
setsid env -i SUPERD_MARKER=test:mine /bin/sh -c 'exec sleep 1012' & echo mine $!
setsid env -i /bin/sh -c 'exec sleep 1013' & echo bare $!
exec sleep 1014`},
		Env:    []string{"PATH=" + os.Getenv("PATH")},
		Stdout: w,
	})
	w.Close()
	br := bufio.NewReader(r)
	pids := make(map[string][]int)
	var all []int
	for range 4 {
		var kind string
		var pid int
		if _, err := fmt.Fscanln(br, &kind, &pid); err != nil {
			t.Fatalf("read pid: %v", err)
		}
		pids[kind] = append(pids[kind], pid)
		all = append(all, pid)
	}
	t.Cleanup(func() {
		for _, pid := range all {
			killOrphan(t, pid)
		}
	})
	for _, pid := range all {
		waitFor(t, "the background processes to set up", func() bool {
			comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
			fields, ok := pidStatFields(pid)
			return err == nil && ok && fields[2] != strconv.Itoa(main.PGID) && string(comm) == "sleep\n"
		})
	}
	if err := SignalGroup(main.PGID, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	main.wait(t)
	for _, pid := range all {
		waitFor(t, "the escaped processes to be reparented", func() bool {
			ppid, ok := procPPID(pid)
			return ok && ppid != main.PID
		})
	}

	var mu sync.Mutex
	reads := make(map[int]int) // pid -> descriptor links read
	readFDLink = func(name string) (string, error) {
		if rest, ok := strings.CutPrefix(name, "/proc/"); ok {
			if pid, err := strconv.Atoi(rest[:strings.IndexByte(rest, '/')]); err == nil {
				mu.Lock()
				reads[pid]++
				mu.Unlock()
			}
		}
		return os.Readlink(name)
	}
	t.Cleanup(func() { readFDLink = os.Readlink })
	strays := m.findStrays("SUPERD_MARKER=test:mine", main.Pipes[:]...)
	readFDLink = os.Readlink
	defer func() {
		for _, s := range strays {
			s.Close()
		}
	}()
	found := strayPIDs(strays)
	want := slices.Sorted(slices.Values(append(slices.Clone(pids["mine"]), pids["bare"]...)))
	if !slices.Equal(found, want) {
		t.Fatalf("strays %v, want %v (not those of another marker, %v)", found, want, pids["other"])
	}
	mu.Lock()
	defer mu.Unlock()
	for _, pid := range pids["other"] {
		if n := reads[pid]; n != 0 {
			t.Errorf("%d descriptors read of process %d, which carries another marker; want none", n, pid)
		}
	}
	if n := reads[pids["mine"][0]]; n != 0 {
		t.Errorf("%d descriptors read of process %d, which carries the marker; want none", n, pids["mine"][0])
	}
	if n := reads[pids["bare"][0]]; n != 1 {
		t.Errorf("%d descriptors read of process %d, which holds the pipe as stdout; want 1", n, pids["bare"][0])
	}
}
