package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/supers-dev/supers/actors"
)

// notifySocketEnv names the socket of systemd's service manager for
// Type=notify services (sd_notify(3)).
const notifySocketEnv = "NOTIFY_SOCKET"

// watchdogUsecEnv and watchdogPIDEnv are how systemd asks a service for
// keep-alive pings (WatchdogSec=, sd_watchdog_enabled(3)): the timeout in
// microseconds, and the process that must send them (absent: the main
// process).
const (
	watchdogUsecEnv = "WATCHDOG_USEC"
	watchdogPIDEnv  = "WATCHDOG_PID"
)

// notifyWait bounds how long a notification waits for room in the queue
// of NOTIFY_SOCKET.
const notifyWait = time.Second

// sdNotifier tells systemd about superd's state when it runs as a
// Type=notify unit: READY=1 once every service has been started, so that
// `systemctl start superd` returns, and units ordered after superd start,
// only then; STOPPING=1 when it begins to stop them. Its zero value (no
// NOTIFY_SOCKET) does nothing.
type sdNotifier struct {
	addr string // NOTIFY_SOCKET: a path, or "@name" in the abstract namespace
}

// newSDNotifier returns the notifier for the NOTIFY_SOCKET that getenv
// gives, "" for none. The caller must then remove NOTIFY_SOCKET from the
// environment, so that services do not inherit it and speak for superd.
func newSDNotifier(getenv func(string) string) sdNotifier {
	return sdNotifier{addr: getenv(notifySocketEnv)}
}

// notify sends the state lines (such as "READY=1") in one datagram. It does
// nothing without NOTIFY_SOCKET.
func (n sdNotifier) notify(lines ...string) error {
	if n.addr == "" {
		return nil
	}
	// Go maps a leading '@' to the abstract namespace, as systemd means it.
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer conn.Close()
	// A full queue (a reader that does not read) would hold the send,
	// and superd's exit with it.
	if err := conn.SetWriteDeadline(time.Now().Add(notifyWait)); err != nil {
		return fmt.Errorf("sd_notify %s: %w", n.addr, err)
	}
	if _, err := conn.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		return fmt.Errorf("sd_notify %s: %w", n.addr, err)
	}
	return nil
}

// watchdogTimeout returns the watchdog timeout that systemd gives superd
// (WatchdogSec=, through WATCHDOG_USEC), 0 if it watches some other
// process (WATCHDOG_PID is not pid) or none. The error reports a value
// that cannot be read.
func watchdogTimeout(getenv func(string) string, pid int) (time.Duration, error) {
	usec := getenv(watchdogUsecEnv)
	if usec == "" {
		return 0, nil
	}
	if p := getenv(watchdogPIDEnv); p != "" && p != strconv.Itoa(pid) {
		return 0, nil
	}
	n, err := strconv.ParseUint(usec, 10, 63)
	if err != nil || time.Duration(n) > time.Duration(1<<63-1)/time.Microsecond {
		return 0, fmt.Errorf("%s=%q: not a number of microseconds", watchdogUsecEnv, usec)
	}
	return time.Duration(n) * time.Microsecond, nil
}

// notifySystemd sends READY=1 (with the number of services in STATUS=) once
// sup is ready, and STOPPING=1 when ctx ends, which begins the shutdown.
// In between, with a watchdog timeout (see watchdogTimeout), it pings
// systemd's watchdog while sup answers (see keepAlive). It returns when
// ctx ends. Failures are logged: superd runs on, and systemd reports the
// missing notification itself.
func notifySystemd(ctx context.Context, sup *actors.Supervisor, sd sdNotifier, watchdog time.Duration, logger *slog.Logger) {
	if sd.addr == "" {
		return
	}
	select {
	case <-sup.Ready():
		status := "STATUS=ready"
		if list, err := sup.List(ctx); err == nil {
			status = fmt.Sprintf("STATUS=ready: %d services", len(list))
		}
		lines := []string{"READY=1", status}
		if watchdog > 0 {
			lines = append(lines, "WATCHDOG=1")
		}
		if err := sd.notify(lines...); err != nil {
			logger.Warn("telling systemd that superd is ready failed", "err", err)
		}
	case <-ctx.Done():
		return
	}
	if watchdog > 0 {
		keepAlive(ctx, func(ctx context.Context) error { _, err := sup.List(ctx); return err }, sd, watchdog, logger)
	}
	<-ctx.Done()
	if err := sd.notify("STOPPING=1", "STATUS=stopping the services"); err != nil {
		logger.Warn("telling systemd that superd is stopping failed", "err", err)
	}
}

// keepAlive sends WATCHDOG=1 to systemd every quarter of timeout, each
// time once probe (a query of the supervisor) has answered within that
// quarter, until ctx ends: a superd that no longer answers (a wedged
// actor) stops the pings, and systemd ends it (SIGABRT: a goroutine dump
// in the journal) and starts it again, as WatchdogSec= means. A ping is
// never more than half the timeout after the one before, while superd
// answers.
func keepAlive(ctx context.Context, probe func(context.Context) error, sd sdNotifier, timeout time.Duration, logger *slog.Logger) {
	every := max(timeout/4, time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	var probeFailed, pingFailed bool
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, every)
		err := probe(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !probeFailed {
				logger.Error("superd does not answer its own queries: systemd's watchdog is not told it is alive", "err", err, "watchdog_timeout", timeout)
			}
			probeFailed = true
			continue
		}
		if probeFailed {
			logger.Info("superd answers again: systemd's watchdog is told it is alive")
			probeFailed = false
		}
		if err := sd.notify("WATCHDOG=1"); err != nil {
			if !pingFailed {
				logger.Warn("telling systemd's watchdog that superd is alive failed", "err", err)
			}
			pingFailed = true
			continue
		}
		pingFailed = false
	}
}
