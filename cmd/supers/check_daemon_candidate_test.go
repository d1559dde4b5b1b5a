package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A candidate superd.conf under another name (superd.conf.new, before it
// replaces the one in force) was checked as a service file, and refused
// only for its name: "does not end in .service". A file not named
// *.service whose first section is [Daemon] or [Webhook ...] is checked as
// superd.conf; any other file as a service file.
func TestCheckDaemonConfUnderAnotherName(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"superd.conf.new": "# candidate\n\n[Webhook \"ops\"]\nURL=https://example.com/hook\n",
		"daemon.conf":     "\uFEFF[Daemon]\nSocketGrup=ops\n",
		"web.txt":         "[Service]\nExecStart=/bin/true\n",
	})
	socket := filepath.Join(shortTempDir(t), "superd.sock")
	good, bad, unit := filepath.Join(dir, "superd.conf.new"), filepath.Join(dir, "daemon.conf"), filepath.Join(dir, "web.txt")
	if r := runAgainst(t, socket, "check", "-v", good); r.code != 0 || r.stdout != "ok: "+good+"\n" {
		t.Errorf("check %s: code %d, stdout %q, stderr %q", good, r.code, r.stdout, r.stderr)
	}
	if r := runAgainst(t, socket, "check", bad); r.code != 1 || !strings.Contains(r.stdout, "SocketGrup") || strings.Contains(r.stdout, ".service") {
		t.Errorf("check %s: code %d, stdout %q; want its unknown key, not its name", bad, r.code, r.stdout)
	}
	if r := runAgainst(t, socket, "check", unit); r.code != 1 || !strings.Contains(r.stdout, "does not end in .service") {
		t.Errorf("check %s: code %d, stdout %q; want its name refused", unit, r.code, r.stdout)
	}
}
