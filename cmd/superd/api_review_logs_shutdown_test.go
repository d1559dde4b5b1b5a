//go:build linux

package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// A log read without follow that superd's shutdown interrupts (a slow
// `supers logs --tail all` of a big log while superd restarts) is cut,
// never ended as if the log were all there: the shutdown cancels the
// requests still in flight after a second, which closed the log reader,
// and the answer then ended cleanly (curl exited 0 with 69 MB of a
// 279 MB log).
func TestAPILogsUnfollowedCutByShutdownIsAnError(t *testing.T) {
	logsCutByShutdown(t, false)
}

// The same for a follower: superd ends it itself at shutdown, once it has
// read the services' last output, but one too slow to get it all within
// the shutdown's grace was ended as if it had, and "supers logs -f" said
// "superd closed the log stream" short of the end.
func TestAPILogsFollowedCutByShutdownIsAnError(t *testing.T) {
	logsCutByShutdown(t, true)
}

// logsCutByShutdown reads a 24 MB log slowly, with or without follow,
// while superd shuts down, and fails if the answer ends cleanly before
// the log's end.
func logsCutByShutdown(t *testing.T, follow bool) {
	t.Helper()
	const size = 24 << 20 // and a newline every 99 bytes
	d := newDaemon(t, map[string]string{
		"big.service": "[Service]\nExecStart=/bin/sh -c 'head -c 25165824 /dev/zero | tr \"\\\\0\" x | fold -w 99; exec sleep 100000'\n",
	}).start()
	d.waitRunning("big")
	file := filepath.Join(d.logDir, "big", "stdout.log")
	var whole int64
	waitFor(t, 60*time.Second, "big's output written", func() bool {
		fi, err := os.Stat(file)
		if err == nil {
			whole = fi.Size()
		}
		return whole >= size
	})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := d.client.Logs(ctx, "big", transport.LogQuery{Tail: -1, Follow: follow})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Read slowly (some 3 MB/s): the shutdown comes long before the end.
	buf := make([]byte, 64<<10)
	var got int64
	for got < 1<<20 {
		n, err := r.Read(buf)
		got += int64(n)
		if err != nil {
			t.Fatalf("read %d bytes: %v", got, err)
		}
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := r.Read(buf)
		got += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) && got < whole {
				t.Fatalf("the answer ended cleanly after %d of the log's %d bytes: a truncated log looks complete", got, whole)
			}
			t.Logf("read %d of %d bytes, then %v", got, whole, err)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("superd did not exit after SIGTERM")
	}
}
