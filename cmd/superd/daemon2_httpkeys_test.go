//go:build linux

package main

import (
	"strings"
	"testing"
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
	log := d.stderr.String()
	if !strings.Contains(log, "without HTTPListen=") || !strings.Contains(log, "AllowEdit") || !strings.Contains(log, "HTTPHosts") {
		t.Fatalf("superd does not say that it ignores the HTTP settings of superd.conf:\n%s", log)
	}
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
