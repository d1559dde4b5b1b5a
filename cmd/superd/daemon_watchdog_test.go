//go:build linux

package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Under a unit with WatchdogSec=, systemd gives superd WATCHDOG_USEC and
// ends it (SIGABRT, which takes every service with it) unless it sends
// WATCHDOG=1 within that time, again and again. superd sent READY=1 and
// then nothing: started with WATCHDOG_USEC, it was killed a WatchdogSec
// later, every time. It now pings the watchdog while it answers, and its
// services inherit neither WATCHDOG_USEC nor WATCHDOG_PID.
func TestSystemdWatchdogIsPinged(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"web.service": "[Service]\nExecStart=/bin/sh -c 'env; exec sleep 1000'\n",
	})
	sock := filepath.Join(filepath.Dir(d.dir), "notify.sock")
	msgs := notifyListener(t, sock)
	// 2 s: a ping at least every second; the test waits for three.
	d.prepare = func(c *exec.Cmd) {
		c.Env = append(c.Env, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=2000000")
	}
	d.launch()
	if m := nextNotify(t, msgs, "READY=1"); !strings.Contains(m, "READY=1\n") {
		t.Fatalf("first notification %q, want READY=1", m)
	}
	d.track(d.status("web").PID)
	for i := range 3 {
		if m := nextNotify(t, msgs, "WATCHDOG=1"); m != "WATCHDOG=1\n" {
			t.Fatalf("notification %d after READY=1: %q, want WATCHDOG=1", i+1, m)
		}
	}
	env := loggedEnv(t, d, "web")
	if strings.Contains(env, "WATCHDOG_") {
		t.Errorf("the service inherited the watchdog's variables:\n%s", env)
	}
	if err := d.terminate(); err != nil {
		t.Fatalf("superd: %v", err)
	}
	for {
		m := nextNotify(t, msgs, "STOPPING=1")
		if strings.Contains(m, "STOPPING=1\n") {
			break
		}
		if m != "WATCHDOG=1\n" {
			t.Fatalf("notification %q before STOPPING=1", m)
		}
	}
}

// watchdogTimeout follows sd_watchdog_enabled(3): WATCHDOG_PID, when set,
// must name superd.
func TestWatchdogTimeout(t *testing.T) {
	t.Parallel()
	const pid = 4242
	for _, tc := range []struct {
		usec, pid string
		want      time.Duration
		err       bool
	}{
		{"", "", 0, false},
		{"", "4242", 0, false},
		{"30000000", "", 30 * time.Second, false},
		{"30000000", "4242", 30 * time.Second, false},
		{"30000000", "4243", 0, false},
		{"30s", "", 0, true},
		{"-1", "", 0, true},
		{"99999999999999999", "", 0, true},
	} {
		env := map[string]string{watchdogUsecEnv: tc.usec, watchdogPIDEnv: tc.pid}
		got, err := watchdogTimeout(func(k string) string { return env[k] }, pid)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: %v, %v; want %v, error %v", tc.usec, tc.pid, got, err, tc.want, tc.err)
		}
	}
}

// A superd that does not answer its own queries (a wedged actor) stops
// pinging the watchdog, so that systemd ends and restarts it; it pings
// again once it answers.
func TestKeepAlivePingsOnlyWhileSuperdAnswers(t *testing.T) {
	t.Parallel()
	addr := "@supers-watchdog-test-" + strconv.Itoa(os.Getpid())
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// pending reports whether a datagram waits in the socket: every ping
	// keepAlive sent before it asked the probe again is there by then.
	pending := func() bool {
		_ = conn.SetReadDeadline(time.Now())
		_, err := conn.Read(make([]byte, 64))
		return err == nil
	}

	calls, answers := make(chan struct{}), make(chan error)
	ctx, cancel := context.WithCancel(context.Background())
	// The test answers each query (not the query's own deadline).
	probe := func(context.Context) error {
		select {
		case calls <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case err := <-answers:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		keepAlive(ctx, probe, sdNotifier{addr: addr}, 20*time.Millisecond, slog.New(slog.DiscardHandler))
	}()
	defer func() { cancel(); <-done }()
	next := func() {
		t.Helper()
		select {
		case <-calls:
		case <-time.After(10 * time.Second):
			t.Fatal("keepAlive did not query superd")
		}
	}

	for i := range 3 {
		next()
		if pending() {
			t.Fatalf("a ping after %d failed queries", i)
		}
		answers <- errors.New("no answer")
	}
	next()
	if pending() {
		t.Fatal("a ping after 3 failed queries")
	}
	answers <- nil
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if err != nil || string(buf[:n]) != "WATCHDOG=1\n" {
		t.Fatalf("once superd answers: %q, %v; want WATCHDOG=1", buf[:n], err)
	}
}

// A datagram to a NOTIFY_SOCKET whose reader does not read waits while
// the socket's queue is full (net.unix.max_dgram_qlen datagrams), and a
// ping every quarter of WatchdogSec fills it in seconds: notify blocked
// for as long, and superd's exit, which waits for its sd_notify goroutine,
// with it. A notification now gives up after notifyWait.
func TestNotifyDoesNotWaitForAStalledReader(t *testing.T) {
	t.Parallel()
	addr := "@supers-notify-stalled-test-" + strconv.Itoa(os.Getpid())
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close() // never read
	sd := sdNotifier{addr: addr}
	done := make(chan error, 1)
	go func() {
		for {
			if err := sd.notify("WATCHDOG=1"); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("notify to a full socket: %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("notify waits for a reader that does not read")
	}
}
