//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// StartLimitIntervalSec=infinity limits the starts over all time, as in
// systemd ("the special value infinity can be used to limit the total
// number of start attempts, even if they happen at large time
// intervals"): a service that keeps failing gives up after
// StartLimitBurst= starts, however far apart. superd read infinity as 0,
// no limit at all: such a service crash-looped for ever.
func TestRestartrevStartLimitInfinity(t *testing.T) {
	t.Parallel()
	stamps := filepath.Join(t.TempDir(), "stamps")
	d := newDaemon(t, map[string]string{
		"capped.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'date +%%s%%N >> %s; exit 1'\n"+
			"RestartSec=0\nRestartMaxDelaySec=100ms\nStartLimitBurst=3\nStartLimitIntervalSec=infinity\n", stamps),
	}).start()
	waitFor(t, 20*time.Second, "the service to give up", func() bool { return d.status("capped").State == "fatal" })
	st := d.status("capped")
	if n := len(readStamps(t, stamps)); n != 3 || st.Restarts != 2 {
		t.Fatalf("gave up after %d starts (%d restarts), want 3 (2)", n, st.Restarts)
	}
	if !strings.Contains(st.Error, "start limit 3") || !strings.Contains(st.Error, "infinity") {
		t.Fatalf("fatal error %q: want the start limit of 3 over all time", st.Error)
	}
}
