package config

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeKeyPair writes a self-signed certificate and its key in dir and
// returns their paths.
func writeKeyPair(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	cert, key := testCertPEM(t, false)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestDaemonCheckHost(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeKeyPair(t, dir)
	own, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skipf("no name for group %d: %v", os.Getgid(), err)
	}
	const file = "/etc/super/superd.conf"
	good := []Daemon{
		{File: file},
		{File: file, SocketGroup: own.Name},
		{File: file, SocketGroup: "4242"}, // numeric: used as is
		{File: file, HTTPTLSCertFile: cert, HTTPTLSKeyFile: key},
	}
	for _, d := range good {
		if err := d.CheckHost(); err != nil {
			t.Errorf("%+v: %v", d, err)
		}
	}

	bad := []struct {
		d    Daemon
		want []string
	}{
		{Daemon{File: file, SocketGroup: "no-such-group-here"},
			[]string{file + ": [Daemon] SocketGroup: invalid value", "no-such-group-here"}},
		{Daemon{File: file, HTTPTLSCertFile: cert, HTTPTLSKeyFile: filepath.Join(dir, "missing.pem")},
			[]string{file + ": [Daemon] HTTPTLSCertFile/HTTPTLSKeyFile: invalid value", "missing.pem", "no such file"}},
		{Daemon{File: file, HTTPTLSCertFile: key, HTTPTLSKeyFile: cert}, // swapped
			[]string{"HTTPTLSCertFile/HTTPTLSKeyFile", cert}},
	}
	for _, tc := range bad {
		err := tc.d.CheckHost()
		var ce *Error
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%+v: %v; want an *Error wrapping ErrInvalidValue", tc.d, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %q does not contain %q", tc.d, err, w)
			}
		}
	}

	both := Daemon{File: file, SocketGroup: "no-such-group-here", HTTPTLSCertFile: cert, HTTPTLSKeyFile: cert}
	var es Errors
	if err := both.CheckHost(); !errors.As(err, &es) || len(es) != 2 {
		t.Errorf("two problems: %v; want Errors of 2", err)
	}
}
