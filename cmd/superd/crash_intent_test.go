//go:build linux

package main

import (
	"context"
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
