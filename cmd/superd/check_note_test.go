//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// runSuperd runs the superd binary with args and returns its exit code,
// stdout and stderr.
func runSuperd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errs bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), args...)
	cmd.Stdout, cmd.Stderr = &out, &errs
	err := cmd.Run()
	return exitCode(err), out.String(), errs.String()
}

// superd --check's last line named superd.conf among the causes of a
// problem of the command line even when there was no superd.conf.
func TestCheckNoteNamesOnlyWhatThereIs(t *testing.T) {
	for _, tc := range []struct {
		name, conf, note string
	}{
		{"no superd.conf", "", "superd could not start with the command line"},
		{"a superd.conf", "[Daemon]\n", "superd could not start with superd.conf and the command line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.conf != "" {
				if err := os.WriteFile(filepath.Join(dir, "superd.conf"), []byte(tc.conf), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, stdout, stderr := runSuperd(t, "--check", "--config-dir", dir, "--socket", filepath.Join(dir, "s.sock"), "--http", "0.0.0.0:0")
			want := `error: --http: listen on 0.0.0.0:0: a non-loopback address needs TLS or an explicit insecure opt-in (configure a certificate and key, or listen on 127.0.0.1); or allow plain HTTP with --http-insecure (HTTPInsecure=yes in superd.conf)` + "\n" +
				dir + ": 0 service file(s) invalid, 0 valid, " + tc.note + "\n"
			if code != 1 || stdout != "" || stderr != want {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant %q", code, stdout, stderr, want)
			}
		})
	}
}
