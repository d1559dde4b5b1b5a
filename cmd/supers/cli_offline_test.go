package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The commands that never talk to superd, check FILE... and completion,
// work whatever $SUPERS_URL and $SUPERS_TOKEN_FILE say: a shell profile
// exporting SUPERS_URL without a readable token file made "supers check
// web.service" fail with "--url needs --token-file" (exit 2) or "reading
// token: ..." (exit 1) before the file was read, and broke the shell's
// "source <(supers completion -c bash)".
func TestOfflineCommandsIgnoreConnection(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "web.service")
	if err := os.WriteFile(good, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.service")
	if err := os.WriteFile(bad, []byte("[Service]\nExecStart=/bin/true\nBogus=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, env := range []map[string]string{
		{"SUPERS_URL": "http://127.0.0.1:1"},
		{"SUPERS_URL": "http://127.0.0.1:1", "SUPERS_TOKEN_FILE": filepath.Join(dir, "missing.token")},
		{"SUPERS_URL": "ftp://nowhere", "SUPERS_TOKEN_FILE": filepath.Join(dir, "missing.token")},
	} {
		r := runCLI(t, env, "check", "-v", good)
		if r.code != exitOK || r.stdout != "ok: "+good+"\n" || r.stderr != "" {
			t.Errorf("%v: check %s: code %d, stdout %q, stderr %q", env, good, r.code, r.stdout, r.stderr)
		}
		r = runCLI(t, env, "check", bad)
		if r.code != exitError || !strings.Contains(r.stdout, "Bogus: unknown key") {
			t.Errorf("%v: check %s: code %d, stdout %q, stderr %q", env, bad, r.code, r.stdout, r.stderr)
		}
		r = runCLI(t, env, "completion", "-c", "bash")
		if r.code != exitOK || !strings.Contains(r.stdout, "complete ") || r.stderr != "" {
			t.Errorf("%v: completion -c bash: code %d, stdout %q, stderr %q", env, r.code, r.stdout, r.stderr)
		}
	}

	// check without FILE asks superd: the connection is still needed.
	r := runCLI(t, map[string]string{"SUPERS_URL": "http://127.0.0.1:1"}, "check")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--url needs --token-file") {
		t.Errorf("check without FILE: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
