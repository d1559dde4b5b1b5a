//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// logsFollowInotify counts the inotify instances process pid has open.
func logsFollowInotify(t *testing.T, pid int) int {
	t.Helper()
	fds := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fds)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(fds, e.Name())); err == nil && target == "anon_inode:inotify" {
			n++
		}
	}
	return n
}

// TestLogsManyFollowersShareOneInotify follows 10 services 150 times at
// once (more than the 128 inotify instances a user gets by default): superd
// uses one inotify instance for all of them, every follower gets its
// service's new lines, and the instance goes when the followers do.
func TestLogsManyFollowersShareOneInotify(t *testing.T) {
	const services, followers = 10, 150
	dir := t.TempDir()
	gate := filepath.Join(dir, "go")
	files := map[string]string{}
	for i := range services {
		files[fmt.Sprintf("tick%d.service", i)] = fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'i=0; while :; do if [ -e %s ]; then i=$((i+1)); echo \"tick %d $i\"; fi; sleep 0.1; done'\n", gate, i)
	}
	d := newDaemon(t, files).start()
	pid := d.cmd.Process.Pid
	for i := range services {
		d.track(d.waitRunning(fmt.Sprintf("tick%d", i)).PID)
	}
	before := logsFollowInotify(t, pid)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, followers)
	for f := range followers {
		svc := f % services
		rc, err := d.client.Logs(ctx, fmt.Sprintf("tick%d", svc), transport.LogQuery{Tail: 0, Follow: true})
		if err != nil {
			t.Fatalf("follower %d: %v", f, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer rc.Close()
			line, err := bufio.NewReader(rc).ReadString('\n')
			switch {
			case err != nil:
				errs <- fmt.Errorf("follower %d of tick%d: %v (read %q)", f, svc, err, line)
			case !strings.HasPrefix(line, fmt.Sprintf("tick %d ", svc)):
				errs <- fmt.Errorf("follower %d of tick%d got %q", f, svc, line)
			}
		}()
	}
	if got := logsFollowInotify(t, pid); got > before+1 {
		t.Errorf("%d followers: superd has %d inotify instances, %d before", followers, got, before)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cancel()
		<-done
		t.Fatal("not every follower got a line within 30 s")
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	cancel()
	waitFor(t, 10*time.Second, "the followers' inotify instance to go", func() bool {
		return logsFollowInotify(t, pid) <= before
	})
}
