//go:build unix

package main

import (
	"strings"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/notify"
)

func TestEventsFollowInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			fb := fixture()
			fb.live = make(chan notify.Event) // never closed
			stdout, stderr, code := startFollowing(t.Context(), startDaemon(t, fb))
			// Once an event is printed, supers is following and has its
			// signal handler in place: the signal cannot kill the test.
			fb.live <- eventFixture()[0]
			waitOutput(t, stdout, strings.SplitAfter(eventFixtureText, "\n")[0])
			if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			if c := waitCode(t, code); c != exitOK || stderr.String() != "" {
				t.Errorf("code %d, stderr %q", c, stderr.String())
			}
		})
	}
}
