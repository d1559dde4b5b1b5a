package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// superd ignores (and warns of) HTTPTLSCertFile= and HTTPTLSKeyFile=
// without the HTTP API, and starts; CheckHost loaded them all the same,
// and `supers check` failed a file that superd --check passes and superd
// starts with. They are checked only with the HTTP API on: HTTPListen= in
// the file, or overridden (superd's --http).
func TestDaemonCheckHostTLSOnlyWithHTTP(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	file := filepath.Join(dir, DaemonFile) // not there: no line to find
	off := Daemon{File: file, HTTPTLSCertFile: missing, HTTPTLSKeyFile: missing}
	on := off
	on.HTTPListen = "127.0.0.1:8080"
	for _, tc := range []struct {
		name       string
		d          Daemon
		overridden []string
		fails      bool
	}{
		{"no HTTP API", off, nil, false},
		{"HTTPListen=", on, nil, true},
		{"--http", off, []string{"HTTPListen"}, true},
		{"--http and the TLS flags", off, []string{"HTTPListen", "HTTPTLSCertFile", "HTTPTLSKeyFile"}, false},
	} {
		err := tc.d.CheckHost(tc.overridden...)
		switch {
		case !tc.fails && err != nil:
			t.Errorf("%s: CheckHost(%q) = %v, want nil", tc.name, tc.overridden, err)
		case tc.fails && (!errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "[Daemon] HTTPTLSCertFile/HTTPTLSKeyFile: ")):
			t.Errorf("%s: CheckHost(%q) = %v, want the TLS files' problem", tc.name, tc.overridden, err)
		}
	}
}
