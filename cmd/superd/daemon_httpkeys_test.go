//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// HTTP settings in superd.conf without HTTPListen= (nor --http) were
// ignored without a word, while the same flags without --http stop superd:
// a forgotten HTTPListen= left the HTTP API unserved and nobody told. superd
// now warns at start, naming the keys it ignores.
func TestHTTPKeysWithoutListenAreNamed(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"a.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"superd.conf": "[Daemon]\nAllowEdit=yes\nHTTPHosts=ops.example.com\n",
	}).start()
	d.waitRunning("a")
	// superd's log is written by a goroutine of its own: poll.
	waitFor(t, 10*time.Second, "superd names the HTTP settings it ignores", func() bool {
		log := d.stderr.String()
		return strings.Contains(log, "without HTTPListen=") && strings.Contains(log, "AllowEdit") && strings.Contains(log, "HTTPHosts")
	})
}

// With HTTPListen=, or --http, nothing is said.
func TestHTTPKeysWithListenAreNotNamed(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"a.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"superd.conf": "[Daemon]\nAllowEdit=yes\n",
	})
	d.extraArgs = []string{"--http", "127.0.0.1:0"}
	d.start()
	d.waitRunning("a")
	if log := d.stderr.String(); strings.Contains(log, "without HTTPListen=") {
		t.Fatalf("superd warns though it serves the HTTP API:\n%s", log)
	}
}

// AllowRootServices=yes left in superd.conf once the HTTP API is off (no
// HTTPListen=, no AllowEdit=) is warned about and ignored, as the other
// HTTP keys: superd refused to start with it ("Config.AllowRootServices
// applies to definitions written by remote callers"), though its checks
// and a reload had passed it, and no service ran after the next boot.
func TestAllowRootServicesWithoutHTTPStarts(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"a.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"superd.conf": "[Daemon]\nAllowRootServices=yes\n",
	}).start()
	d.waitRunning("a")
	waitFor(t, 10*time.Second, "superd names the HTTP setting it ignores", func() bool {
		log := d.stderr.String()
		return strings.Contains(log, "without HTTPListen=") && strings.Contains(log, "AllowRootServices")
	})
}

// A TLS flag without the other one is named, not --http (or superd.conf's
// HTTPListen=, which may be right).
func TestTLSFlagWithoutItsPairIsNamed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		flag, want string
	}{
		{"--http-tls-cert", "--http-tls-cert: needs --http-tls-key too"},
		{"--http-tls-key", "--http-tls-key: needs --http-tls-cert too"},
	} {
		code, _, stderr := runSuperd(t, "--check", "--config-dir", dir, "--socket", dir+"/s.sock", "--http", "127.0.0.1:0", tc.flag, dir+"/x.pem")
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s alone: exit %d, stderr %q; want it to say %q", tc.flag, code, stderr, tc.want)
		}
	}
}

// A certificate or key that cannot be used is named by the flags or
// superd.conf's keys that gave it, not blamed on --http or HTTPListen=.
func TestTLSFilesErrorNamesTheirSetting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, _, stderr := runSuperd(t, "--check", "--config-dir", dir, "--socket", dir+"/s.sock", "--http", "127.0.0.1:0",
		"--http-tls-cert", dir+"/none.pem", "--http-tls-key", dir+"/none.key")
	if code == 0 || !strings.Contains(stderr, "error: --http-tls-cert/--http-tls-key: ") {
		t.Errorf("missing TLS files given by flags: exit %d, stderr %q; want them named by their flags", code, stderr)
	}
	conf := t.TempDir()
	if err := os.WriteFile(filepath.Join(conf, "superd.conf"), []byte("[Daemon]\nHTTPListen=127.0.0.1:0\nHTTPTLSCertFile="+dir+"/none.pem\nHTTPTLSKeyFile="+dir+"/none.key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runSuperd(t, "--check", "--config-dir", conf, "--socket", dir+"/s.sock")
	if code == 0 || !strings.Contains(stderr, "[Daemon] HTTPTLSCertFile/HTTPTLSKeyFile: ") || strings.Contains(stderr, "HTTPListen: listen") {
		t.Errorf("missing TLS files given by superd.conf: exit %d, stderr %q; want them named by their keys", code, stderr)
	}
}
