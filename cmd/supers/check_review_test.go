package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckFilesSystemdStyleInputs runs "supers check FILE" on the inputs
// a user copying systemd units writes: each valid one is "ok", and each
// bad one gets one error line per problem naming the file, the line and
// what is wrong (no file is checked by superd: no socket is needed).
func TestCheckFilesSystemdStyleInputs(t *testing.T) {
	dir := t.TempDir()
	socket := filepath.Join(shortTempDir(t), "superd.sock")
	env := filepath.Join(dir, "a.env")
	if err := os.WriteFile(env, []byte("A=1\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, good := range []string{
		"[Unit]\r\nDescription=crlf\r\n[Service]\r\nExecStart=/bin/sleep 1 \\\r\n  2\r\n",
		"\uFEFF[Service]\nExecStart=/bin/true\nEnvironmentFile=-" + env + "\nEnvironmentFile=-" + dir + "/missing.env\n",
		"[Service]\nExecStart=/bin/sh -c 'echo \"a b\"; exit 3'\nSuccessExitStatus=3 SIGUSR1\nRestartSec=1min 30s\n",
	} {
		f := write("good.service", good)
		if r := runAgainst(t, socket, "check", "-v", f); r.code != 0 || r.stdout != "ok: "+f+"\n" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", good, r.code, r.stdout, r.stderr)
		}
	}
	for _, tc := range []struct{ body, want string }{
		{"", ": [Service] ExecStart: required key is missing"},
		{"[Service]\nExecStart=/bin/true \\\nUser=nobody\n", ":2: [Service] ExecStart: syntax error: the value ends with a backslash, which would continue it on line 3, but that line sets User="},
		{"[Service]\nExecStart=/bin/true\nEnvironmentFile=-" + dir + "/*.env\n", ":3: [Service] EnvironmentFile: invalid value"},
		{"\xff\xfe[\x00S\x00", ":1: syntax error: the file is encoded in UTF-16"},
		{"[Service]\nExecStart=/bin/true\nStandardOutput=journal\n", ":3: [Service] StandardOutput: unknown key (systemd's StandardOutput= is not supported"},
	} {
		f := write("bad.service", tc.body)
		r := runAgainst(t, socket, "check", f)
		if lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"); r.code != 1 || len(lines) != 1 ||
			!strings.HasPrefix(lines[0], "error: "+f+tc.want) {
			t.Errorf("%q: code %d, stdout %q\nwant one line starting with %q", tc.body, r.code, r.stdout, "error: "+f+tc.want)
		}
		r = runAgainst(t, socket, "--json", "check", f)
		var out struct {
			Errors []struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"errors"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Errors) != 1 || out.Errors[0].File != f {
			t.Errorf("%q --json: %v, %q", tc.body, err, r.stdout)
		}
	}
}
