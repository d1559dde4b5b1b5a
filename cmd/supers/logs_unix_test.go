//go:build unix

package main

import (
	"strings"
	"syscall"
	"testing"
)

func TestLogsFollowInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			fb := withLogs()
			fb.logLive = make(chan string) // never closed
			stdout, stderr, code := startLogs(t.Context(), startDaemon(t, fb), "-n", "0", "web")
			// Once live output is printed, supers is following and has
			// its signal handler in place: the signal cannot kill the test.
			fb.logLive <- "live\n"
			waitOutput(t, stdout, "live\n")
			if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			if c := waitCode(t, code); c != exitOK || stderr.String() != "" {
				t.Errorf("code %d, stderr %q", c, stderr.String())
			}
			if strings.Contains(stdout.String(), "out ") {
				t.Errorf("-n 0 printed past lines: %q", stdout.String())
			}
		})
	}
}
