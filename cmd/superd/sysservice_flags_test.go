//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An empty path flag is a usage error. kong's "path" type would make it
// the current directory: `--log-dir=` (or `--log-dir="$UNSET"` in a
// unit's ExecStart=, where the directory is /) put every service's logs
// in whatever directory superd was started from, instead of the
// documented <config-dir>/logs.
func TestEmptyPathFlagRefused(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 1000\n"})
	cwd := t.TempDir()
	d.extraArgs = []string{"--log-dir="}
	d.prepare = func(c *exec.Cmd) { c.Dir = cwd }
	d.launch()
	waitFor(t, 20*time.Second, "superd refuses --log-dir=", func() bool {
		if _, err := os.Stat(filepath.Join(cwd, "web")); err == nil {
			t.Fatalf("superd took --log-dir= as its current directory: logs in %s\n%s", cwd, d.stderr.String())
		}
		select {
		case <-d.exited:
			return true
		default:
			return false
		}
	})
	var ee *exec.ExitError
	if !errors.As(d.exitErr, &ee) || ee.ExitCode() != 2 {
		t.Errorf("superd --log-dir=: %v, want exit status 2 (usage)\n%s", d.exitErr, d.stderr.String())
	}
	if !strings.Contains(d.stderr.String(), "--log-dir") {
		t.Errorf("superd --log-dir=: the error does not name the flag:\n%s", d.stderr.String())
	}
}

// Every path flag refuses an empty value, in --check too, and names the
// flag; so does an empty SUPER_CONFIG_DIR unless --config-dir is given.
func TestEmptyPathFlagsAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, flag := range []string{"--config-dir", "--log-dir", "--socket", "--http-token-file", "--http-tls-cert", "--http-tls-key"} {
		var stderr bytes.Buffer
		args := []string{"--check", flag + "="}
		if flag != "--config-dir" {
			args = append(args, "--config-dir", dir)
		}
		if code := run(args, &stderr); code != 2 || !strings.Contains(stderr.String(), flag) {
			t.Errorf("superd %s: exit %d, stderr %q; want 2 and an error naming %s", strings.Join(args, " "), code, stderr.String(), flag)
		}
	}
	t.Setenv("SUPER_CONFIG_DIR", "")
	var stderr bytes.Buffer
	if code := run([]string{"--check"}, &stderr); code != 2 || !strings.Contains(stderr.String(), "--config-dir") {
		t.Errorf("SUPER_CONFIG_DIR= superd --check: exit %d, stderr %q; want 2 and an error naming --config-dir", code, stderr.String())
	}
	// The flag wins over an empty SUPER_CONFIG_DIR, and a path still
	// means what it did: made absolute.
	stderr.Reset()
	if code := run([]string{"--check", "--config-dir", dir, "--log-dir", "logs"}, &stderr); code != 0 {
		t.Errorf("SUPER_CONFIG_DIR= superd --check --config-dir DIR --log-dir logs: exit %d, stderr %q", code, stderr.String())
	}
}
