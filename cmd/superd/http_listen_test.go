//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// superd refuses a non-loopback --http without TLS before it writes
// anything: no token file is left behind by a start that failed.
func TestInsecureHTTPRefusedBeforeTheTokenIsCreated(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"})
	cmd := exec.Command(filepath.Join(binDir, "superd"), "--config-dir", d.dir, "--log-dir", d.logDir,
		"--socket", d.socket, "--http", "0.0.0.0:0")
	cmd.Env = append(os.Environ(), "SUPERS_SOCKET=")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("superd started on 0.0.0.0 without TLS:\n%s", out.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("superd still runs with --http 0.0.0.0:0 and no TLS:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "127.0.0.1") {
		t.Errorf("the refusal does not say how to do without TLS:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(d.dir, "http.token")); err == nil {
		t.Errorf("a token file was created by a start that was refused:\n%s", out.String())
	}
	if strings.Contains(out.String(), "token created") {
		t.Errorf("superd logged a token it should not have created:\n%s", out.String())
	}
}

// superd says once that it listens on TCP, and where.
func TestHTTPListenerLoggedOnce(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"})
	d.extraArgs = []string{"--http", "127.0.0.1:0"}
	d.start()
	d.waitRunning("a")
	var lines []string
	for _, l := range strings.Split(d.stderr.String(), "\n") {
		if strings.Contains(l, "listening") && strings.Contains(l, "127.0.0.1:") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("the TCP listener is logged %d times, want once:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}
