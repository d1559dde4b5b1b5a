//go:build linux

package actors

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A clean exit (a job done: exit 0, or a SuccessExitStatus=) is logged at
// Info, as systemd logs it; it was a warning, whatever the service's
// Restart= and however it ended. A failure stays a warning.
func TestExitLogLevel(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"done.service":  "[Service]\nExecStart=/bin/true\n",
		"fine.service":  "[Service]\nExecStart=/bin/sh -c 'exit 7'\nSuccessExitStatus=7\n",
		"broke.service": "[Service]\nExecStart=/bin/sh -c 'exit 3'\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf lockedBuffer
	lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	line := func(service string) string {
		for l := range strings.Lines(buf.String()) {
			if strings.Contains(l, `msg="process exited"`) && strings.Contains(l, "service="+service+" ") {
				return l
			}
		}
		return ""
	}
	waitUntil(t, "the three exits logged", func() bool {
		return line("done") != "" && line("fine") != "" && line("broke") != ""
	})
	for service, level := range map[string]string{"done": "level=INFO", "fine": "level=INFO", "broke": "level=WARN"} {
		if l := line(service); !strings.Contains(l, level) {
			t.Errorf("%s's exit logged as %q, want %s", service, l, level)
		}
	}
}
