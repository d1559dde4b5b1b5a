//go:build linux

package actors

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"golang.org/x/sys/unix"

	"github.com/supers-dev/supers/transport"
)

// mmapReplace replaces old with new (of the same length) in the file at
// path through a shared memory mapping: inotify reports no such change
// (inotify(7)), while the file's modification time moves.
func mmapReplace(t *testing.T, path, old, new string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(old))
	if i < 0 || len(old) != len(new) {
		t.Fatalf("cannot replace %q with %q in %q", old, new, b)
	}
	copy(b[i:], new)
	if err := unix.Msync(b, unix.MS_SYNC); err != nil {
		t.Fatal(err)
	}
	if err := unix.Munmap(b); err != nil {
		t.Fatal(err)
	}
}

// superd --watch rescans the config dir's files (a stat of each) and
// reloads when one changed without a file event, as a change written
// through a memory mapping, or by another host on a network file system,
// makes: file events alone missed it until the next reload.
func TestWatchRescanFindsAChangeWithoutAnEvent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "svc.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=/bin/sleep 600\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An old time: the mapped write moves it, however coarse the clock.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(file, old, old); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	sup := runTweaked(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Watch: true, Logger: slog.New(slog.NewTextHandler(logs, nil))},
		func(s *Supervisor) { s.rescanEvery = 100 * time.Millisecond })
	ctx := t.Context()
	status := func() transport.ServiceStatus {
		qctx, qcancel := context.WithTimeout(ctx, 10*time.Second)
		defer qcancel()
		st, err := sup.Status(qctx, "svc")
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		return st
	}
	var first transport.ServiceStatus
	waitUntil(t, "svc running", func() bool {
		first = status()
		return first.State == transport.StateRunning && first.PID != 0
	})

	mmapReplace(t, file, "600", "601")
	waitUntil(t, "svc restarted with the changed file", func() bool {
		st := status()
		if st.State != transport.StateRunning || st.PID == first.PID || st.PID == 0 {
			return false
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.PID))
		return strings.Contains(string(b), "601")
	})

	// A change of superd's own (a definition written through the API) is
	// no change to find: no reload of the rescan.
	if _, err := sup.PutDefinition(ctx, "other", []byte("[Service]\nExecStart=/bin/sleep 602\n"), transport.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "other running", func() bool {
		st, err := sup.Status(ctx, "other")
		return err == nil && st.State == transport.StateRunning
	})
	const found = "the config dir changed without a file event"
	before := strings.Count(logs.String(), found)
	time.Sleep(10 * sup.rescanEvery) // no event to wait for: several rescans
	if n := strings.Count(logs.String(), found) - before; n != 0 {
		t.Errorf("%d reloads of the rescan after the API's write, want none:\n%s", n, logs.String())
	}
	if before == 0 {
		t.Error("the restart came from no rescan") // another reload made it: the test tests nothing
	}
}

// superd --watch that cannot watch the config dir for file events (out
// of inotify instances, say) still finds its changes, by the rescan: the
// rescan was armed only once the watch was on.
func TestWatchRescanWithoutFileEvents(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "svc.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=/bin/sleep 600\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup := runTweaked(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Watch: true, Logger: slog.New(slog.DiscardHandler)}, func(s *Supervisor) {
		s.rescanEvery = 100 * time.Millisecond
		s.newWatcher = func() (*fsnotify.Watcher, error) { return nil, fmt.Errorf("inotify_init1: %w", syscall.EMFILE) }
	})
	ctx := t.Context()
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=/bin/sleep 601\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "svc restarted with the changed file", func() bool {
		st, err := sup.Status(ctx, "svc")
		if err != nil || st.State != transport.StateRunning || st.PID == 0 {
			return false
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.PID))
		return strings.Contains(string(b), "601")
	})
}
