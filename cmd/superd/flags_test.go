package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/supers-dev/supers/config"
)

func noEnv(string) (string, bool) { return "", false }

// superd's own flag parser: every form kong accepted for these flags, and
// an error naming the problem for each bad one.
func TestParseFlags(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	c, help, version, err := parseFlags(nil, noEnv)
	if err != nil || help || version || c.ConfigDir != "/etc/super" || c.LogLevel != "info" || c.LogFormat != "text" || c.LogDir != "" || c.Socket != "" {
		t.Fatalf("no flags: %+v, help %v, version %v, %v", c, help, version, err)
	}
	c, _, _, err = parseFlags([]string{
		"--config-dir", "conf", "--log-dir=logs", "--socket", "/run/s.sock", "--log-level", "debug", "--log-format=json",
		"--check", "--watch=false", "--socket-group", "ops", "--socket-allow-root-services=yes",
		"--http", "127.0.0.1:9000", "--http-token-file", "/t", "--http-tls-cert=/c", "--http-tls-key", "/k",
		"--http-insecure", "--http-host", "a.example, b.example", "--http-host=c.example", "--http-allow-edit", "--http-allow-root-services=1",
	}, noEnv)
	want := cli{
		ConfigDir: filepath.Join(cwd, "conf"), LogDir: filepath.Join(cwd, "logs"), Socket: "/run/s.sock", LogLevel: "debug", LogFormat: "json",
		Check: true, SocketGroup: "ops", SocketAllowRootServices: true,
		HTTP: "127.0.0.1:9000", HTTPTokenFile: "/t", HTTPTLSCert: "/c", HTTPTLSKey: "/k", HTTPInsecure: true,
		HTTPHost: []string{"a.example", "b.example", "c.example"}, HTTPAllowEdit: true, HTTPAllowRootServices: true,
	}
	if err != nil || !reflect.DeepEqual(c, want) {
		t.Fatalf("every flag:\n got %+v (%v)\nwant %+v", c, err, want)
	}

	// $SUPER_CONFIG_DIR when --config-dir is not given, made absolute.
	env := func(name string) (string, bool) { return "from-env", name == configDirEnv }
	if c, _, _, _ := parseFlags(nil, env); c.ConfigDir != filepath.Join(cwd, "from-env") {
		t.Errorf("SUPER_CONFIG_DIR=from-env: config dir %q", c.ConfigDir)
	}
	if c, _, _, _ := parseFlags([]string{"--config-dir=/x"}, env); c.ConfigDir != "/x" {
		t.Errorf("the flag does not beat SUPER_CONFIG_DIR: config dir %q", c.ConfigDir)
	}
	empty := func(name string) (string, bool) { return "", name == configDirEnv }
	if c, _, _, _ := parseFlags(nil, empty); c.ConfigDir != "" {
		t.Errorf("SUPER_CONFIG_DIR set but empty: config dir %q, want empty (refused by run)", c.ConfigDir)
	}

	for _, args := range [][]string{{"-h"}, {"--help"}, {"--check", "--help"}} {
		if _, help, _, err := parseFlags(args, noEnv); !help || err != nil {
			t.Errorf("%q: help %v, %v", args, help, err)
		}
	}
	for _, args := range [][]string{{"-V"}, {"--version"}} {
		if _, _, version, err := parseFlags(args, noEnv); !version || err != nil {
			t.Errorf("%q: version %v, %v", args, version, err)
		}
	}

	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--foo"}, "unknown flag --foo"},
		{[]string{"-x"}, "unknown flag -x"},
		{[]string{"-config-dir", "/x"}, "unknown flag -config-dir"},
		{[]string{"--log-level", "loud"}, `--log-level: must be one of "debug","info","warn","error" but got "loud"`},
		{[]string{"--log-format=xml"}, `--log-format: must be one of "text","json" but got "xml"`},
		{[]string{"--check=maybe"}, `--check: bool value must be true, 1, yes, false, 0 or no but got "maybe"`},
		{[]string{"--socket"}, "--socket: expected a value (PATH)"},
		{[]string{"--socket", "--check"}, "--socket: expected a value (PATH)"},
		{[]string{"--log-dir="}, "--log-dir: empty path (leave the flag out for its default)"},
		{[]string{"--http-tls-key", ""}, "--http-tls-key: empty path"},
		{[]string{"--http="}, "--http: empty value"},
		{[]string{"--socket-group", ""}, "--socket-group: empty value"},
		{[]string{"stray"}, "unexpected argument stray"},
		{[]string{"--", "--check"}, "unexpected argument --check"},
		{[]string{dir}, "unexpected argument " + dir + " (a directory: to use it as the config dir, give --config-dir " + dir + ")"},
		{[]string{"--help", "--foo"}, "unknown flag --foo"},
		{[]string{"--http-host="}, `--http-host: empty name in ""`},
		{[]string{"--http-host", "a,,b"}, `--http-host: empty name in "a,,b"`},
		// Values superd could never listen with, or allow: usage errors
		// (exit 2), named by their flag, as superd.conf's are by their key.
		{[]string{"--http=nocolon"}, `--http: "nocolon": missing port in address (want host:port, e.g. 127.0.0.1:8080)`},
		{[]string{"--http", "127.0.0.1:99999"}, `--http: "127.0.0.1:99999": port "99999" is not a number from 0 to 65535`},
		{[]string{"--http-host", "ok.example, bad/host"}, `--http-host: "bad/host" is not a host name or IP address (no port, no scheme)`},
	} {
		_, _, _, err := parseFlags(tc.args, noEnv)
		if _, ok := err.(*usageError); !ok || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want a usage error %q", tc.args, err, tc.want)
		}
	}
}

// The help names every flag, with its placeholder, and its default where
// it has one; no line is wider than 80 columns.
func TestUsageNamesEveryFlag(t *testing.T) {
	var b bytes.Buffer
	writeUsage(&b, "/run/test.sock")
	help := b.String()
	for _, d := range superdFlags("") {
		name := "--" + d.name
		if d.placeholder != "" {
			name += "=" + d.placeholder
		}
		if !strings.Contains(help, " "+name+" ") && !strings.Contains(help, " "+name+"\n") {
			t.Errorf("the help does not show %s:\n%s", name, help)
		}
	}
	for _, s := range []string{"-h, --help", "-V, --version", "(default: /run/test.sock)", "(default: /etc/super)", "$SUPER_CONFIG_DIR"} {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), s) {
			t.Errorf("the help does not say %q:\n%s", s, help)
		}
	}
	for _, line := range strings.Split(help, "\n") {
		if len(line) > 80 {
			t.Errorf("line wider than 80 columns: %q", line)
		}
	}
}

// The TLS certificate and key are one setting: a flag for either replaces
// superd.conf's pair whole. The flag's certificate was used with the
// conf's key ("private key does not match public key", without a word
// of where each came from).
func TestMergeTakesTheTLSPairWhole(t *testing.T) {
	conf := &config.Daemon{HTTPTLSCertFile: "/conf/cert.pem", HTTPTLSKeyFile: "/conf/key.pem"}
	for _, tc := range []struct {
		flags, want cli
	}{
		{cli{}, cli{HTTPTLSCert: "/conf/cert.pem", HTTPTLSKey: "/conf/key.pem"}},
		{cli{HTTPTLSCert: "/new/cert.pem"}, cli{HTTPTLSCert: "/new/cert.pem"}},
		{cli{HTTPTLSKey: "/new/key.pem"}, cli{HTTPTLSKey: "/new/key.pem"}},
		{cli{HTTPTLSCert: "/new/cert.pem", HTTPTLSKey: "/new/key.pem"}, cli{HTTPTLSCert: "/new/cert.pem", HTTPTLSKey: "/new/key.pem"}},
	} {
		c := tc.flags
		c.merge(conf)
		if c.HTTPTLSCert != tc.want.HTTPTLSCert || c.HTTPTLSKey != tc.want.HTTPTLSKey {
			t.Errorf("flags cert %q key %q over superd.conf's pair: cert %q key %q, want %q %q",
				tc.flags.HTTPTLSCert, tc.flags.HTTPTLSKey, c.HTTPTLSCert, c.HTTPTLSKey, tc.want.HTTPTLSCert, tc.want.HTTPTLSKey)
		}
	}
}

// merge names the superd.conf keys the flags override, for
// actors.Config.DaemonOverrides, which refuses a name that is not one: a
// misspelt key would stop superd from starting whenever its flag is
// given. With every flag set, each [Daemon] key is named once; with none,
// none is.
func TestMergeNamesTheKeysTheFlagsOverride(t *testing.T) {
	all := cli{HTTP: "127.0.0.1:1", HTTPTokenFile: "/t", HTTPTLSCert: "/c", HTTPTLSKey: "/k", SocketGroup: "g",
		HTTPHost: []string{"h"}, HTTPInsecure: true, HTTPAllowEdit: true, HTTPAllowRootServices: true, SocketAllowRootServices: true}
	keys := all.merge(&config.Daemon{})
	if len(keys) != 10 {
		t.Errorf("every flag set: %d keys overridden %q, want the 10 of [Daemon]", len(keys), keys)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if !config.IsDaemonKey(k) || seen[k] {
			t.Errorf("%q: not a [Daemon] key, or named twice", k)
		}
		seen[k] = true
	}
	var none cli
	if keys := none.merge(&config.Daemon{SocketGroup: "g", AllowEdit: true}); len(keys) != 0 {
		t.Errorf("no flag set: %q overridden", keys)
	}
}
