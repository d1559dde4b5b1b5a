//go:build linux

package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lifeSetNofile sets the soft RLIMIT_NOFILE of process pid (keeping its hard
// limit) and returns the previous limit.
func lifeSetNofile(t *testing.T, pid int, soft uint64) unix.Rlimit {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
	lim := unix.Rlimit{Cur: soft, Max: old.Max}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
	return old
}

// When superd itself runs out of file descriptors, the restarts it attempts
// fail (EMFILE making the log pipes): that is not the service's failure.
// They are retried with the backoff, named by their errno in the log, far
// past StartLimitBurst, and the service runs again as soon as descriptors
// are back, instead of staying fatal.
func TestLifecycleOutOfDescriptorsIsNotFatal(t *testing.T) {
	d := newDaemon(t, map[string]string{"svc.service": `[Service]
ExecStart=/bin/sleep 1000
Restart=always
RestartSec=50ms
RestartMaxDelaySec=200ms
StartLimitBurst=3
StartLimitIntervalSec=10min
`}).start()
	first := d.waitRunning("svc")
	pid := d.cmd.Process.Pid

	// No descriptor can be opened any more (0-2 are taken).
	old := lifeSetNofile(t, pid, 3)
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil); err != nil {
				t.Errorf("prlimit: %v", err)
			}
		}
	}
	defer restore()
	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "more failed restarts than StartLimitBurst, or giving up", func() bool {
		log := d.stderr.String()
		return strings.Count(log, "pipe2: too many open files") >= 6 || strings.Contains(log, "giving up")
	})
	restore()
	if log := d.stderr.String(); strings.Contains(log, "giving up") {
		t.Fatalf("superd gave up on the service for lack of descriptors of its own")
	}
	if log := d.stderr.String(); !strings.Contains(log, "errno=EMFILE") {
		t.Errorf("the log does not name EMFILE")
	}

	st := d.waitRunning("svc")
	if st.PID == first.PID {
		t.Fatalf("still pid %d", st.PID)
	}
	if _, _, code := d.cli("stop", "svc"); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}
}
