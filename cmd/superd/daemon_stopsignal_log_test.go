//go:build linux

package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopSignalIsLogged: the signal that began superd's shutdown was not
// in its log (only msg="shutting down"; a second one was named): when
// superd stopped unexpectedly, by a stray kill, a Ctrl-\ or systemd, its
// log did not say why. superd now logs it, by its name.
func TestStopSignalIsLogged(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT} {
		t.Run(signalName(sig), func(t *testing.T) {
			t.Parallel()
			d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
			d.waitRunning("a")
			_ = d.cmd.Process.Signal(sig)
			select {
			case <-d.exited:
			case <-time.After(30 * time.Second):
				t.Fatalf("superd did not exit after %s\n%s", signalName(sig), d.stderr.String())
			}
			if d.exitErr != nil {
				t.Fatalf("superd's exit: %v\n%s", d.exitErr, d.stderr.String())
			}
			want := `msg="shutting down on a signal" signal=` + signalName(sig)
			if log := d.stderr.String(); !strings.Contains(log, want) {
				t.Errorf("the log lacks %q:\n%s", want, log)
			}
		})
	}
}
