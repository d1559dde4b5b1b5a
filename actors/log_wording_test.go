//go:build linux

package actors

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// superd's log says what will happen, in words: a service given up without
// RestartCooldownSec= is not retried ("retry_in=0s" read as "at once"), and
// TimeoutStopSec=infinity is "infinity", not 2562047h47m16.854775807s.
func TestLogWordingOfGiveUpAndInfiniteTimeout(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"crash.service":   "[Service]\nExecStart=/bin/false\nRestart=always\nRestartSec=0\nStartLimitBurst=2\nStartLimitIntervalSec=60\n",
		"patient.service": "[Service]\nExecStart=/bin/sleep 1000\nTimeoutStopSec=infinity\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf lockedBuffer
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&buf, nil))}).sup
	ctx := t.Context()
	waitUntil(t, "crash given up", func() bool { return strings.Contains(buf.String(), "giving up restarting") })
	waitUntil(t, "patient running", func() bool {
		st, err := sup.Status(ctx, "patient")
		return err == nil && st.State == StateRunning
	})
	if _, err := sup.Stop(ctx, "patient"); err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(buf.String()) {
		switch {
		case strings.Contains(line, "giving up restarting"):
			if strings.Contains(line, "retry_in") || !strings.Contains(line, "start it by hand") {
				t.Errorf("give-up line without a cooldown: %s", line)
			}
		case strings.Contains(line, `msg=stopping`) && strings.Contains(line, "service=patient"):
			if !strings.Contains(line, "timeout=infinity") {
				t.Errorf("stop line of TimeoutStopSec=infinity: %s", line)
			}
		}
	}
	if !strings.Contains(buf.String(), "timeout=infinity") {
		t.Errorf("no stop line says timeout=infinity:\n%s", buf.String())
	}
}
