//go:build linux

package main

import (
	"os"
	"os/user"
	"slices"
	"strings"
	"testing"
)

// TestUserEnvironment: a service with User= gets that user's HOME, USER,
// LOGNAME and SHELL, as under systemd, unless its Environment= sets them.
func TestUserEnvironment(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("User= needs superd to run as root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody:", err)
	}
	d := newDaemon(t, map[string]string{
		"plain.service": "[Service]\nExecStart=/bin/sleep 1000\nUser=nobody\n",
		"own.service":   "[Service]\nExecStart=/bin/sleep 1000\nUser=nobody\nEnvironment=HOME=/srv/own\n",
	}).start()
	environ := func(name string) []string {
		st := d.waitRunning(name)
		b, err := os.ReadFile("/proc/" + itoa(st.PID) + "/environ")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(b), "\x00")
	}
	plain := environ("plain")
	want := []string{"HOME=" + u.HomeDir, "USER=nobody", "LOGNAME=nobody"}
	if shell := passwdShell(t, "nobody"); shell != "" {
		want = append(want, "SHELL="+shell)
	}
	for _, kv := range want {
		if !slices.Contains(plain, kv) {
			t.Errorf("plain: no %s in %q", kv, plain)
		}
	}
	own := environ("own")
	if !slices.Contains(own, "HOME=/srv/own") || !slices.Contains(own, "USER=nobody") {
		t.Errorf("own: Environment=HOME does not win, or USER is missing: %q", own)
	}
}

// passwdShell returns the login shell of name in /etc/passwd ("" if none).
func passwdShell(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), ":")
		if len(f) == 7 && f[0] == name {
			return f[6]
		}
	}
	return ""
}
