//go:build linux

package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSocketPathTooLong: superd refuses a socket path longer than the
// kernel's limit (107 bytes on Linux) saying so, and supers, pointed at
// it, says the same rather than "invalid argument (is superd running?)".
func TestSocketPathTooLong(t *testing.T) {
	d := newDaemon(t, nil)
	sock := filepath.Join(filepath.Dir(d.dir), strings.Repeat("x", 110), "superd.sock")
	wants := []string{"too long", strconv.Itoa(len(sock)) + " bytes", "107-byte limit", "shorter"}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), "--config-dir", d.dir, "--log-dir", d.logDir, "--socket", sock)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("superd: %v, want exit status 1\n%s", err, stderr.String())
	}
	for _, want := range wants {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("superd's error lacks %q:\n%s", want, stderr.String())
		}
	}

	_, errs, code := runCLI(t, sock, "status")
	if code == 0 {
		t.Fatal("supers status succeeded")
	}
	for _, want := range wants {
		if !strings.Contains(errs, want) {
			t.Errorf("supers' error lacks %q: %s", want, errs)
		}
	}
	if strings.Contains(errs, "is superd running") || strings.Contains(errs, "invalid argument") {
		t.Errorf("supers' error misleads: %s", errs)
	}
}
