//go:build linux

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// notifyListener listens on a unixgram socket at addr, as systemd does on
// NOTIFY_SOCKET, and returns the datagrams it receives.
func notifyListener(t *testing.T, addr string) <-chan string {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := make(chan string, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return msgs
}

// nextNotify returns the next datagram, failing the test after a while.
func nextNotify(t *testing.T, msgs <-chan string, what string) string {
	t.Helper()
	select {
	case m, ok := <-msgs:
		if !ok {
			t.Fatalf("waiting for %s: the socket was closed", what)
		}
		return m
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s from superd on NOTIFY_SOCKET", what)
		return ""
	}
}

// TestSystemdNotify runs superd as systemd runs a Type=notify unit: READY=1
// comes once the services have been started, STOPPING=1 when SIGTERM begins
// the shutdown, and the services do not inherit NOTIFY_SOCKET.
func TestSystemdNotify(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"web.service": "[Service]\nExecStart=/bin/sh -c 'env; exec sleep 1000'\n",
	})
	sock := filepath.Join(filepath.Dir(d.dir), "notify.sock")
	msgs := notifyListener(t, sock)
	d.prepare = func(c *exec.Cmd) { c.Env = append(c.Env, "NOTIFY_SOCKET="+sock) }
	d.launch()

	ready := nextNotify(t, msgs, "READY=1")
	if !strings.Contains(ready, "READY=1\n") {
		t.Fatalf("first notification %q, want READY=1", ready)
	}
	// Ready means started: the service already runs.
	st := d.status("web")
	d.track(st.PID)
	if st.State != "running" || st.PID == 0 {
		t.Errorf("at READY=1, web is %s (PID %d), want running", st.State, st.PID)
	}
	if !strings.Contains(ready, "STATUS=") {
		t.Errorf("READY=1 notification %q has no STATUS= for systemctl status", ready)
	}

	env := loggedEnv(t, d, "web")
	if strings.Contains(env, "NOTIFY_SOCKET") {
		t.Errorf("the service inherited NOTIFY_SOCKET:\n%s", env)
	}

	if err := d.terminate(); err != nil {
		t.Fatalf("superd: %v", err)
	}
	if m := nextNotify(t, msgs, "STOPPING=1"); !strings.Contains(m, "STOPPING=1\n") {
		t.Errorf("notification at SIGTERM %q, want STOPPING=1", m)
	}
}

// TestSDNotifierAbstractSocket checks the abstract namespace ("@name"),
// which systemd uses for NOTIFY_SOCKET in some setups, and that without
// NOTIFY_SOCKET nothing is sent and nothing fails.
func TestSDNotifierAbstractSocket(t *testing.T) {
	addr := fmt.Sprintf("@supers-sdnotify-test-%d", os.Getpid())
	msgs := notifyListener(t, addr)
	n := newSDNotifier(func(k string) string {
		if k == notifySocketEnv {
			return addr
		}
		return ""
	})
	if err := n.notify("READY=1", "STATUS=x"); err != nil {
		t.Fatal(err)
	}
	if m := nextNotify(t, msgs, "READY=1"); m != "READY=1\nSTATUS=x\n" {
		t.Errorf("got %q", m)
	}
	if err := newSDNotifier(func(string) string { return "" }).notify("READY=1"); err != nil {
		t.Errorf("without NOTIFY_SOCKET: %v", err)
	}
}

// loggedEnv waits until the stdout log of service name holds the
// environment it printed (a line with PATH=), and returns the log.
func loggedEnv(t *testing.T, d *daemon, name string) string {
	t.Helper()
	stdout := filepath.Join(d.logDir, name, "stdout.log")
	var env string
	waitFor(t, 10*time.Second, "the environment of "+name+" in its log", func() bool {
		b, _ := os.ReadFile(stdout)
		env = string(b)
		return strings.Contains(env, "PATH=")
	})
	return env
}
