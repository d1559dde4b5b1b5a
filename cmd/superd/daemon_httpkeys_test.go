//go:build linux

package main

import (
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
