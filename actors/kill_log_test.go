//go:build linux

package actors

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// The SIGKILL of a stop that timed out names what it reaches, as the
// "signal sent" line does: with the main process gone at SIGTERM and a
// member of its group ignoring it, the warning named the dead main
// process's PID, which the system may already have given to another
// process. Both SIGKILLs are checked: TimeoutStopSec='s, and that of
// superd's shutdown's own bound (ShutdownTimeout, for a TimeoutStopSec=
// of infinity).
func TestKillLogNamesNoDeadMainProcess(t *testing.T) {
	for _, tc := range []struct {
		name, timeout, msg string
		shutdown           bool
	}{
		{"TimeoutStopSec", "1s", "stop timed out, killing process group", false},
		{"shutdown", "infinity", "superd's shutdown timed out, killing process group", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarks(t)
			logged := &lockedBuffer{}
			dir := filepath.Join(t.TempDir(), "etc")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			service := fmt.Sprintf(`[Service]
ExecStart=/bin/sh -c 'sh -c "trap \"\" TERM; : > %s; while :; do sleep 0.05; done" & exec sleep 1000'
TimeoutStopSec=%s
`, m.path("up"), tc.timeout)
			if err := os.WriteFile(filepath.Join(dir, "x.service"), []byte(service), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := Config{ConfigDir: dir, LogDir: filepath.Join(t.TempDir(), "logs"),
				Logger: slog.New(slog.NewTextHandler(logged, nil))}
			if tc.shutdown {
				cfg.ShutdownTimeout = time.Second
			}
			l := lcRunOn(t, cfg)
			stressWait(t, "x's group member to ignore SIGTERM", m.exists("up"))
			old := l.waitState("x", transport.StateRunning)
			if tc.shutdown {
				l.shutdown(time.Minute)
			} else {
				l.do(l.sup.Stop, "x")
			}
			var line string
			for ln := range strings.Lines(logged.String()) {
				if strings.Contains(ln, fmt.Sprintf("msg=%q", tc.msg)) && strings.Contains(ln, "service=x") {
					line = ln
				}
			}
			if line == "" {
				t.Fatalf("no %q line for x in:\n%s", tc.msg, logged.String())
			}
			if strings.Contains(line, fmt.Sprintf(" pid=%d", old.PID)) || !strings.Contains(line, fmt.Sprintf(" pgid=%d", old.PID)) {
				t.Errorf("SIGKILL line %q; want the group's pgid %d, and not the exited main process's pid", line, old.PID)
			}
		})
	}
}
