//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// An operator's stop, or start, holds once superd has answered it, even if
// superd is SIGKILLed right after answering: the next superd keeps the
// service stopped, or starts it. The state actor batches its writes, and
// the answer used to come before the write.
func TestOperatorIntentSurvivesSuperdKill(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	d.waitRunning("a")
	// The intent is the last change: nothing written later would carry it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := d.client.Stop(ctx, "a"); err != nil {
		t.Fatalf("stop a: %v", err)
	}
	killed := d.restartAfterKill()
	if st := killed.status("a"); st.State != "stopped" {
		t.Fatalf("a after the stop and superd's SIGKILL: %s, want stopped", st.State)
	}

	if _, err := killed.client.Start(ctx, "a"); err != nil {
		t.Fatalf("start a: %v", err)
	}
	killed.track(killed.status("a").PID)
	again := killed.restartAfterKill()
	again.waitRunning("a")
}

// restartAfterKill SIGKILLs superd and starts a new one on the same
// directories and socket.
func (d *daemon) restartAfterKill() *daemon {
	d.t.Helper()
	_ = d.cmd.Process.Kill()
	<-d.exited
	next := &daemon{t: d.t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	return next.start()
}

// An operator's stop belongs to the service it stopped: once that service's
// file is gone, the stop goes with it, even when the file was removed while
// superd was not running (or superd was killed before it wrote that the
// removal forgot the stop). A service defined later under the same name is
// a new one, and starts.
func TestStopOfServiceRemovedWhileSuperdWasDownIsForgotten(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"b.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	d.waitRunning("a")
	d.waitRunning("b")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, name := range []string{"a", "b"} {
		if _, err := d.client.Stop(ctx, name); err != nil {
			t.Fatalf("stop %s: %v", name, err)
		}
	}
	if err := d.terminate(); err != nil {
		t.Fatalf("superd's exit: %v\n%s", err, d.stderr.String())
	}
	if err := os.Remove(filepath.Join(d.dir, "a.service")); err != nil {
		t.Fatal(err)
	}

	next := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	next.start()
	// b's file stayed: b stays stopped.
	if st := next.status("b"); st.State != "stopped" {
		t.Fatalf("b after superd's restart: %s, want stopped", st.State)
	}
	next.writeFile("a.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	if _, err := next.client.Reload(ctx); err != nil {
		t.Fatalf("reload: %v", err)
	}
	next.waitRunning("a")
	// And it is not written back by a later superd either.
	next.track(next.status("a").PID)
	again := next.restartAfterKill()
	again.waitRunning("a")
	if st := again.status("b"); st.State != "stopped" {
		t.Fatalf("b after the second restart: %s, want stopped", st.State)
	}
}
