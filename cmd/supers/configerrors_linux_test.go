//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A file with a syntax error on line 1 also lacks ExecStart=: one file,
// two errors. The warning counts files, and every command lists the
// line's error before the file's, as "supers check FILE" does.
func TestConfigErrorsCountFilesAndKeepFileOrder(t *testing.T) {
	d := startRealSuperd(t, map[string]string{
		"a.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"b.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"bad.service": "garbage line\n",
		"zzz.service": "[Service]\nExecStart=/bin/sleep 1000\nRestrat=always\n",
	})
	bad := filepath.Join(d.dir, "bad.service")
	zzz := filepath.Join(d.dir, "zzz.service")
	wantLines := []string{
		bad + `:1: syntax error: missing "=" in "garbage line"`,
		bad + ": [Service] ExecStart: required key is missing",
		zzz + ":3: [Service] Restrat: unknown key (did you mean Restart?)",
	}

	r := runAgainst(t, d.socket, "status")
	want := "supers: warning: 2 service file(s) could not be loaded:\n  " + strings.Join(wantLines, "\n  ") + "\n"
	if r.stderr != want {
		t.Errorf("status: stderr:\n%s\nwant:\n%s", r.stderr, want)
	}

	errorLines := "error: " + strings.Join(wantLines, "\nerror: ") + "\n"
	r = runAgainst(t, d.socket, "check")
	if r.stdout != errorLines {
		t.Errorf("check: stdout:\n%s\nwant:\n%s", r.stdout, errorLines)
	}
	r = runAgainst(t, d.socket, "check", bad, zzz)
	if r.stdout != errorLines {
		t.Errorf("check FILES: stdout:\n%s\nwant:\n%s", r.stdout, errorLines)
	}
	r = runAgainst(t, d.socket, "reload")
	if want := "unchanged: 2 services\n" + errorLines; r.stdout != want {
		t.Errorf("reload: stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
}
