//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// realSuperd is the real superd binary, built for the test, running the
// service files given in a temporary directory.
type realSuperd struct {
	socket string
	dir    string // config dir
	root   string // {{dir}}: holds the config dir, the logs and the socket
	client *transport.Client
}

// startRealSuperd builds superd, writes files (name → content, where
// {{dir}} stands for a directory of the test's) into a fresh config dir
// and runs superd on it until the test ends.
func startRealSuperd(t *testing.T, files map[string]string) *realSuperd {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the real superd")
	}
	bin := filepath.Join(t.TempDir(), "superd")
	build := exec.Command("go", "build", "-o", bin, "../superd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building superd: %v\n%s", err, out)
	}
	// Unix socket paths are limited to ~108 bytes: keep the dir short.
	root, err := os.MkdirTemp("", "sU")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	d := &realSuperd{root: root, dir: filepath.Join(root, "etc"), socket: filepath.Join(root, "s.sock")}
	if err := os.Mkdir(d.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(d.dir, name), []byte(strings.ReplaceAll(body, "{{dir}}", root)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config-dir", d.dir, "--log-dir", filepath.Join(root, "logs"), "--socket", d.socket)
	cmd.Env = append(os.Environ(), "SUPERS_SOCKET=")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("superd log:\n%s", log.String())
		}
	})
	d.client = transport.NewClient(d.socket)
	waitUntil(t, 20*time.Second, "superd answers", func() bool {
		select {
		case <-exited:
			t.Fatalf("superd exited early:\n%s", log.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := d.client.List(ctx)
		return err == nil
	})
	return d
}

// waitRunning waits until the service name runs and returns its status.
func (d *realSuperd) waitRunning(t *testing.T, name string) transport.ServiceStatus {
	t.Helper()
	var st transport.ServiceStatus
	waitUntil(t, 20*time.Second, name+" running", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		st, err = d.client.Status(ctx, name)
		if err != nil && !errors.Is(err, transport.ErrUnknownService) {
			t.Fatalf("status %s: %v", name, err)
		}
		return err == nil && st.State == transport.StateRunning && st.PID > 0
	})
	return st
}

// app returns an app talking to d, as execute makes it for --timeout
// timeout (given on the command line or not).
func (d *realSuperd) app(timeout time.Duration, given bool) (*app, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &app{stdout: &out, stderr: &errb, client: d.client, target: d.socket,
		timeout: timeout, timeoutGiven: given, getenv: func(string) string { return "" }}, &out, &errb
}

// waitUntil polls cond until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for delay := time.Millisecond; !cond(); delay = min(2*delay, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for: %s", timeout, what)
		}
		time.Sleep(delay)
	}
}
