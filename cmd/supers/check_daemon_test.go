package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "supers check FILE" validates superd.conf too (superd --check and
// "supers check" without FILE do): it used to refuse it as a service file
// with "invalid service name: file name "superd.conf" does not end in
// .service".
func TestCheckFilesDaemonConf(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "superd.conf")
	socket := filepath.Join(shortTempDir(t), "superd.sock")

	if err := os.WriteFile(conf, []byte("[Daemon]\nAllowEdit=yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runAgainst(t, socket, "check", "-v", conf); r.code != 0 || r.stdout != "ok: "+conf+"\n" || r.stderr != "" {
		t.Errorf("valid superd.conf: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	if err := os.WriteFile(conf, []byte("[Daemon]\nAllowEdit=perhaps\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runAgainst(t, socket, "check", conf)
	if want := "error: " + conf + ":2: [Daemon] AllowEdit: invalid value"; r.code != 1 || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("invalid superd.conf: code %d, stdout %q, want it to start with %q", r.code, r.stdout, want)
	}
}

// "supers check superd.conf" checks it against this machine, as superd
// --check does and as the README says: a SocketGroup= that names no
// group, or a certificate that cannot be loaded, passed as "ok".
func TestCheckFilesDaemonConfAgainstTheMachine(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "superd.conf")
	socket := filepath.Join(shortTempDir(t), "superd.sock")
	for body, want := range map[string]string{
		"[Daemon]\nSocketGroup=no-such-group-here\n": "[Daemon] SocketGroup: invalid value",
		"[Daemon]\nHTTPListen=127.0.0.1:0\nHTTPTLSCertFile=" + dir + "/none.pem\nHTTPTLSKeyFile=" + dir + "/none.key\n": dir + "/none.pem",
	} {
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		r := runAgainst(t, socket, "check", conf)
		if r.code != 1 || !strings.Contains(r.stdout, "error: "+conf) || !strings.Contains(r.stdout, want) {
			t.Errorf("%q: code %d, stdout %q; want an error naming %q", body, r.code, r.stdout, want)
		}
	}
}
