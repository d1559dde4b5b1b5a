package transport

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// NewServer returns an http.Server for h with limits suited to the control
// API: 16 KiB of headers (MaxHeaderBytes, to which net/http adds 4 KiB),
// read within 5 s (ReadHeaderTimeout; else the connection is closed
// without an answer); the whole
// request, body included, read within 30 s (ReadTimeout), so that a client
// that stalls in its body cannot hold a connection and its goroutine; a 60 s
// IdleTimeout; and no WriteTimeout (a stop may legitimately take long, and
// logs and events can be followed for hours; the handler bounds each answer
// from its header on, and each chunk of a streamed one, instead, cutting a
// client that stops reading after a minute). ReadTimeout does not end those
// long answers: net/http lifts the read deadline once the request has been
// read. "OPTIONS *" goes to h like any request (net/http would answer it
// itself, before h could check the Host and the token, and keep the
// connection). Set ErrorLog on the result to route net/http's own
// messages, e.g. with slog.NewLogLogger.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:                      h,
		ReadHeaderTimeout:            5 * time.Second,
		ReadTimeout:                  30 * time.Second,
		IdleTimeout:                  60 * time.Second,
		MaxHeaderBytes:               16 << 10,
		DisableGeneralOptionsHandler: true,
	}
}

// DefaultSocketPath is the control socket superd listens on and supers
// connects to when not told otherwise: [SocketPathFromEnv] of the process
// environment.
func DefaultSocketPath() string {
	return SocketPathFromEnv(os.Getenv)
}

// SocketPathFromEnv resolves the default socket path with getenv standing in
// for os.Getenv:
//
//   - $SUPERS_SOCKET if set;
//   - /run/super/superd.sock for root;
//   - $XDG_RUNTIME_DIR/super/superd.sock for other users;
//   - <temp dir>/super-<uid>/superd.sock when XDG_RUNTIME_DIR is unset, the
//     temp dir being $TMPDIR or else [os.TempDir].
func SocketPathFromEnv(getenv func(string) string) string {
	return socketPath(getenv, os.Geteuid(), os.Getuid())
}

// socketPath is SocketPathFromEnv with the process's ids as parameters.
func socketPath(getenv func(string) string, euid, uid int) string {
	if p := getenv("SUPERS_SOCKET"); p != "" {
		return p
	}
	if euid == 0 {
		return "/run/super/superd.sock"
	}
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "super", "superd.sock")
	}
	tmp := getenv("TMPDIR")
	if tmp == "" {
		tmp = os.TempDir()
	}
	sub := "super"
	if uid >= 0 { // -1 on Windows
		sub += "-" + strconv.Itoa(uid)
	}
	return filepath.Join(tmp, sub, "superd.sock")
}
