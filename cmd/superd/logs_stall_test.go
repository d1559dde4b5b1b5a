//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// logsStallRemovedHeld lists the files of dir that process pid holds open
// although they were removed.
func logsStallRemovedHeld(t *testing.T, pid int, dir string) []string {
	t.Helper()
	fds := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fds)
	if err != nil {
		t.Fatal(err)
	}
	var held []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(fds, e.Name()))
		if err == nil && strings.HasPrefix(target, dir+"/") && strings.HasSuffix(target, " (deleted)") {
			held = append(held, target)
		}
	}
	return held
}

// A follower that stops reading (a suspended supers logs -f, a stalled
// client) does not make superd keep the log files that rotation removes,
// and their disk space, for as long as it stalls.
func TestLogsStalledFollowerHoldsNoRemovedFile(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"flood.service": "[Service]\n" +
			"ExecStart=/bin/sh -c 'while :; do head -c 300000 /dev/zero | tr \"\\\\000\" x; echo; sleep 0.05; done'\n" +
			"[Log]\nMaxSize=1M\nMaxBackups=1\n",
	}).start()
	d.waitRunning("flood")
	dir := filepath.Join(d.logDir, "flood")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rc, err := d.client.Logs(ctx, "flood", transport.LogQuery{Tail: 1, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	// The client reads no more: superd's writes to it block once the
	// socket's buffers are full, while the service goes on logging.
	seen := map[string]bool{}
	waitFor(t, 30*time.Second, "several rotations", func() bool {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "stdout-") {
				seen[e.Name()] = true
			}
		}
		return len(seen) >= 4
	})
	var held []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		if held = logsStallRemovedHeld(t, d.cmd.Process.Pid, dir); len(held) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("superd holds removed log files for a stalled follower: %q", held)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
