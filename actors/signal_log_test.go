//go:build linux

package actors

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/transport"
)

// superd's "signal sent" line names only what got the signal. During a
// stop whose main process has exited while the rest of its group runs on
// (TimeoutStopSec=infinity), it named the dead main process's PID, which
// the status hides because the system may give it to another process.
func TestSignalLogNamesNoDeadMainProcess(t *testing.T) {
	m := newMarks(t)
	logged := &lockedBuffer{}
	dir := t.TempDir()
	l := lcRunOn(t, Config{ConfigDir: dir, LogDir: filepath.Join(t.TempDir(), "logs"), Logger: slog.New(slog.NewTextHandler(logged, nil))})
	l.writeService("x", fmt.Sprintf(`[Service]
ExecStart=/bin/sh -c 'sh -c "trap \"\" TERM; : > %s; while :; do sleep 0.05; done" & exec sleep 1000'
TimeoutStopSec=infinity
`, m.path("up")))
	l.reload()
	stressWait(t, "x's group member to ignore SIGTERM", m.exists("up"))
	old := l.waitState("x", transport.StateRunning)
	stopped := make(chan error, 1)
	go func() {
		_, err := l.sup.Stop(stressCtx(t), "x")
		stopped <- err
	}()
	stressWait(t, "x stopping with its main process gone", func() bool {
		st, err := l.sup.Status(stressCtx(t), "x")
		return err == nil && st.State == transport.StateStopping && st.PID == 0 && st.LastExit != nil
	})
	// SIGHUP ends the member, and the stop.
	if _, err := l.sup.Signal(stressCtx(t), "x", "SIGHUP"); err != nil {
		t.Fatalf("signal HUP during the stop: %v", err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	var line string
	for l := range strings.Lines(logged.String()) {
		if strings.Contains(l, `msg="signal sent"`) && strings.Contains(l, "service=x") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf(`no "signal sent" line for x in:\n%s`, logged.String())
	}
	if strings.Contains(line, fmt.Sprintf(" pid=%d", old.PID)) || !strings.Contains(line, fmt.Sprintf(" pgid=%d", old.PID)) {
		t.Errorf("signal line %q; want the group's pgid %d, and not the exited main process's pid", line, old.PID)
	}
}

// With the group gone too, only processes that left it got the signal:
// the line names neither the main process nor the group.
func TestSignalAttrsOnlyOutsideTheGroup(t *testing.T) {
	a := &serviceActor{handle: process.Handle{PID: 4242, PGID: 4242}, leaderGone: true, groupGone: true}
	attrs := a.signalAttrs("SIGHUP", false, 1)
	if slices.Contains(attrs, any("pid")) || slices.Contains(attrs, any("pgid")) || !slices.Contains(attrs, any("left_group")) {
		t.Errorf("attributes %v; want no pid nor pgid, and left_group", attrs)
	}
	a = &serviceActor{handle: process.Handle{PID: 4242, PGID: 4242}}
	if attrs := a.signalAttrs("SIGHUP", true, 0); !slices.Contains(attrs, any("pid")) || !slices.Contains(attrs, any("pgid")) {
		t.Errorf("attributes of a signal to a running process %v; want its pid and pgid", attrs)
	}
}
