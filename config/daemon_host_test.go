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
	file := filepath.Join(dir, "superd.conf") // not there: no line to find
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
		{Daemon{File: file, HTTPListen: "127.0.0.1:8080", HTTPTLSCertFile: cert, HTTPTLSKeyFile: filepath.Join(dir, "missing.pem")},
			[]string{file + ": [Daemon] HTTPTLSCertFile/HTTPTLSKeyFile: invalid value", "missing.pem", "no such file"}},
		{Daemon{File: file, HTTPListen: "127.0.0.1:8080", HTTPTLSCertFile: key, HTTPTLSKeyFile: cert}, // swapped
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

	both := Daemon{File: file, SocketGroup: "no-such-group-here", HTTPListen: "127.0.0.1:8080", HTTPTLSCertFile: cert, HTTPTLSKeyFile: cert}
	var es Errors
	if err := both.CheckHost(); !errors.As(err, &es) || len(es) != 2 {
		t.Errorf("two problems: %v; want Errors of 2", err)
	}
	// Keys the program takes from elsewhere (superd's flags) are left
	// out; either TLS key leaves out the pair.
	for _, c := range []struct {
		overridden []string
		want       string // in the error; "" for none
	}{
		{[]string{"SocketGroup"}, "HTTPTLSCertFile/HTTPTLSKeyFile"},
		{[]string{"HTTPTLSCertFile"}, "SocketGroup"},
		{[]string{"HTTPTLSKeyFile", "HTTPListen"}, "SocketGroup"},
		{[]string{"HTTPTLSKeyFile", "SocketGroup"}, ""},
	} {
		err := both.CheckHost(c.overridden...)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckHost(%q) = %v, want nil", c.overridden, err)
		case c.want != "" && (err == nil || errors.As(err, &es) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckHost(%q) = %v, want one error about %s", c.overridden, err, c.want)
		}
	}
}

func TestIsDaemonKey(t *testing.T) {
	for key, want := range map[string]bool{"SocketGroup": true, "HTTPTLSKeyFile": true, "AllowEdit": true,
		"socketgroup": false, "URL": false, "ExecStart": false, "": false} {
		if got := IsDaemonKey(key); got != want {
			t.Errorf("IsDaemonKey(%q) = %v, want %v", key, got, want)
		}
	}
}

// A host problem of superd.conf names the line of its key, as the file is
// now.
func TestDaemonCheckHostNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "superd.conf")
	data := "# superd\n[Daemon]\nHTTPListen=127.0.0.1:8080\n\nSocketGroup=no-such-group-here\nHTTPTLSCertFile=" +
		filepath.Join(dir, "missing.pem") + "\nHTTPTLSKeyFile=" + filepath.Join(dir, "missing.key") + "\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := LoadDaemon(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = d.CheckHost()
	for _, want := range []string{file + ":5: [Daemon] SocketGroup: ", file + ":6: [Daemon] HTTPTLSCertFile/HTTPTLSKeyFile: "} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckHost: %v; want %q", err, want)
		}
	}
}

// KeyLine finds the line of a key's last assignment in the service's file
// as it is now, and 0 when there is none to find.
func TestServiceKeyLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "web.service")
	data := "[Unit]\nDescription=web\n\n[Service]\nExecStart=/bin/true\nUser=a\nUser=b\nEnvironment=A=1 \\\n  B=2\nWorkingDirectory=/\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	svc := &Service{Name: "web", File: file}
	for _, tc := range []struct {
		section, key string
		line         int
	}{
		{"Unit", "Description", 2},
		{"Service", "ExecStart", 5},
		{"Service", "User", 7},
		{"Service", "WorkingDirectory", 10},
		{"Service", "Group", 0},
		{"Unit", "ExecStart", 0},
	} {
		if got := svc.KeyLine(tc.section, tc.key); got != tc.line {
			t.Errorf("KeyLine(%s, %s) = %d, want %d", tc.section, tc.key, got, tc.line)
		}
	}
	if got := (&Service{Name: "web"}).KeyLine("Service", "ExecStart"); got != 0 {
		t.Errorf("no file: %d", got)
	}
	if got := (&Service{Name: "x", File: filepath.Join(dir, "x.service")}).KeyLine("Service", "ExecStart"); got != 0 {
		t.Errorf("missing file: %d", got)
	}
}
