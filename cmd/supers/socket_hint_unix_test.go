//go:build unix

package main

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// unreachableAt returns the error of a request to a socket path where no
// superd listens.
func unreachableAt(t *testing.T, path string) *transport.UnreachableError {
	t.Helper()
	_, err := transport.NewClient(path).Version(context.Background())
	var unreachable *transport.UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("request to %s: %v, want an UnreachableError", path, err)
	}
	return unreachable
}

// A member of the socket group of the system's superd who runs supers
// without --socket is sent to its own default path (under
// $XDG_RUNTIME_DIR), where nothing listens: "cannot reach superd at
// /run/user/1000/super/superd.sock: no such file or directory (is superd
// running?)", with superd running. The message now names the system's
// socket when there is one.
func TestSystemSocketHint(t *testing.T) {
	dir := shortTempDir(t)
	system := filepath.Join(dir, "system.sock")
	ln, err := net.Listen("unix", system)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	missing := unreachableAt(t, filepath.Join(dir, "user", "superd.sock"))

	hint := systemSocketHint(missing, system, 1000)
	if !strings.Contains(hint, "use --socket "+system) || !strings.Contains(hint, "$SUPERS_SOCKET") {
		t.Errorf("hint %q, want one naming --socket %s and $SUPERS_SOCKET", hint, system)
	}
	for _, tc := range []struct {
		what   string
		err    *transport.UnreachableError
		system string
		euid   int
	}{
		{"root, whose default path is the system's", missing, system, 0},
		{"no socket at the system's path", missing, filepath.Join(dir, "none.sock"), 1000},
		{"a directory at the system's path", missing, dir, 1000},
		{"the system's socket itself unreachable", unreachableAt(t, filepath.Join(dir, "gone.sock")), filepath.Join(dir, "gone.sock"), 1000},
	} {
		if hint := systemSocketHint(tc.err, tc.system, tc.euid); hint != "" {
			t.Errorf("%s: hint %q, want none", tc.what, hint)
		}
	}
}

// The hint is only for the default path: a socket named by flag or
// environment is the one the user means.
func TestDefaultSocket(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	for _, tc := range []struct {
		conn connection
		env  map[string]string
		want bool
	}{
		{connection{}, nil, true},
		{connection{}, map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}, true},
		{connection{socket: "/x.sock"}, nil, false},
		{connection{}, map[string]string{"SUPERS_SOCKET": "/x.sock"}, false},
		{connection{url: "http://127.0.0.1:1"}, nil, false},
		{connection{}, map[string]string{"SUPERS_URL": "http://127.0.0.1:1"}, false},
	} {
		if got := tc.conn.defaultSocket(env(tc.env)); got != tc.want {
			t.Errorf("%+v with %v: %v, want %v", tc.conn, tc.env, got, tc.want)
		}
	}
}
