package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/supers-dev/supers/actors"
)

// notifySocketEnv names the socket of systemd's service manager for
// Type=notify services (sd_notify(3)).
const notifySocketEnv = "NOTIFY_SOCKET"

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
	if _, err := conn.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		return fmt.Errorf("sd_notify %s: %w", n.addr, err)
	}
	return nil
}

// notifySystemd sends READY=1 (with the number of services in STATUS=) once
// sup is ready, and STOPPING=1 when ctx ends, which begins the shutdown.
// It returns when ctx ends. Failures are logged: superd runs on, and
// systemd reports the missing notification itself.
func notifySystemd(ctx context.Context, sup *actors.Supervisor, sd sdNotifier, logger *slog.Logger) {
	if sd.addr == "" {
		return
	}
	select {
	case <-sup.Ready():
		status := "STATUS=ready"
		if list, err := sup.List(ctx); err == nil {
			status = fmt.Sprintf("STATUS=ready: %d services", len(list))
		}
		if err := sd.notify("READY=1", status); err != nil {
			logger.Warn("telling systemd that superd is ready failed", "err", err)
		}
	case <-ctx.Done():
		return
	}
	<-ctx.Done()
	if err := sd.notify("STOPPING=1", "STATUS=stopping the services"); err != nil {
		logger.Warn("telling systemd that superd is stopping failed", "err", err)
	}
}
