package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rules between the [Daemon] keys that superd applies when it starts
// (a socket's SocketAllowRootServices= without a group, AllowRootServices=
// without AllowEdit= over HTTP, plain HTTP on a non-loopback address) were
// superd's own: `supers check FILE` and the running superd's check passed
// a file superd then refused to start with. CheckRules applies them, and
// CheckHost with it, naming the key and its line; a key the program
// overrides (superd's flags) leaves its rules to the program.
func TestDaemonCheckRules(t *testing.T) {
	for _, tc := range []struct {
		name       string
		conf       string
		overridden []string
		want       []string // in the error (":LINE: ..." after the file's path); none for no error
		problems   int      // more than one: the error is Errors of as many
	}{
		{name: "socket root without group", conf: "SocketAllowRootServices=yes\n",
			want: []string{":2: [Daemon] SocketAllowRootServices: invalid value: no socket group to apply it to"}},
		{name: "socket root with group", conf: "SocketAllowRootServices=yes\nSocketGroup=4242\n"},
		{name: "socket root, group by flag", conf: "SocketAllowRootServices=yes\n", overridden: []string{"SocketGroup"}},
		{name: "socket root by flag", conf: "SocketAllowRootServices=yes\n", overridden: []string{"SocketAllowRootServices"}},

		{name: "HTTP root without edit", conf: "HTTPListen=127.0.0.1:0\nAllowRootServices=yes\n",
			want: []string{":3: [Daemon] AllowRootServices: invalid value: HTTP clients may not write service definitions"}},
		{name: "HTTP root with edit", conf: "HTTPListen=127.0.0.1:0\nAllowRootServices=yes\nAllowEdit=yes\n"},
		{name: "HTTP root, edit by flag", conf: "HTTPListen=127.0.0.1:0\nAllowRootServices=yes\n", overridden: []string{"AllowEdit"}},
		{name: "HTTP root by flag", conf: "HTTPListen=127.0.0.1:0\nAllowRootServices=yes\n", overridden: []string{"AllowRootServices"}},
		// Without the HTTP API, superd ignores (and warns of) the key.
		{name: "root without HTTP", conf: "AllowRootServices=yes\n"},
		// --http turns it on: the file's keys are judged.
		{name: "root, HTTP by flag", conf: "AllowRootServices=yes\n", overridden: []string{"HTTPListen"},
			want: []string{":2: [Daemon] AllowRootServices: "}},

		{name: "every address in plain HTTP", conf: "HTTPListen=0.0.0.0:0\n",
			want: []string{":2: [Daemon] HTTPListen: invalid value: listen on 0.0.0.0:0: a non-loopback address needs TLS", "HTTPInsecure=yes"}},
		{name: "no host in plain HTTP", conf: "HTTPListen=:8080\n", want: []string{":2: [Daemon] HTTPListen: "}},
		{name: "IPv6 in plain HTTP", conf: "HTTPListen=[2001:db8::1]:8080\n", want: []string{":2: [Daemon] HTTPListen: "}},
		{name: "mapped loopback", conf: "HTTPListen=[::ffff:127.0.0.1]:8080\n"},
		{name: "IPv6 loopback", conf: "HTTPListen=[::1]:8080\n"},
		{name: "host name", conf: "HTTPListen=localhost:8080\n"}, // superd resolves it
		{name: "plain HTTP allowed", conf: "HTTPListen=0.0.0.0:0\nHTTPInsecure=yes\n"},
		{name: "TLS", conf: "HTTPListen=0.0.0.0:0\nHTTPTLSCertFile=CERT\nHTTPTLSKeyFile=KEY\n"},
		{name: "address by flag", conf: "HTTPListen=0.0.0.0:0\n", overridden: []string{"HTTPListen"}},
		{name: "insecure by flag", conf: "HTTPListen=0.0.0.0:0\n", overridden: []string{"HTTPInsecure"}},
		{name: "TLS by flags", conf: "HTTPListen=0.0.0.0:0\n", overridden: []string{"HTTPTLSCertFile", "HTTPTLSKeyFile"}},

		{name: "two problems", conf: "SocketAllowRootServices=yes\nHTTPListen=0.0.0.0:0\n",
			want: []string{":2: [Daemon] SocketAllowRootServices: ", ":3: [Daemon] HTTPListen: "}, problems: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, DaemonFile)
			cert, key := writeKeyPair(t, dir) // CheckHost loads them
			conf := strings.NewReplacer("CERT", cert, "KEY", key).Replace(tc.conf)
			if err := os.WriteFile(file, []byte("[Daemon]\n"+conf), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := ParseDaemonDraft(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, check := range []struct {
				name string
				f    func(...string) error
			}{{"CheckRules", d.CheckRules}, {"CheckHost", d.CheckHost}} {
				err := check.f(tc.overridden...)
				if len(tc.want) == 0 {
					if err != nil {
						t.Errorf("%s(%q) = %v, want nil", check.name, tc.overridden, err)
					}
					continue
				}
				var ce *Error
				if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidValue) {
					t.Errorf("%s(%q) = %v, want an *Error wrapping ErrInvalidValue", check.name, tc.overridden, err)
					continue
				}
				var es Errors
				if tc.problems > 1 && (!errors.As(err, &es) || len(es) != tc.problems) {
					t.Errorf("%s(%q) = %v, want %d problems", check.name, tc.overridden, err, tc.problems)
				}
				for _, w := range tc.want {
					if strings.HasPrefix(w, ":") {
						w = file + w // the file and the line of the key
					}
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s(%q) = %q, want it to say %q", check.name, tc.overridden, err, w)
					}
				}
			}
		})
	}
}
