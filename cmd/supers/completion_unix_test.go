//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The completion code runs supers by its absolute path, which may hold
// spaces, quotes or '$': bash runs the command of complete -C as a command
// line, so the path must reach it quoted.
func TestCompletionScriptQuotesPath(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := filepath.Join(t.TempDir(), `it's a $HOME "dir"`)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "ran")
	bin := filepath.Join(dir, "supers")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\ntouch '"+marker+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shell := range []string{"bash", "zsh"} {
		code := completionShell(shell, "supers", bin, "completion").code
		// bash evaluates the command given to complete -C when it
		// completes: so does run.
		const complete = "complete -o default -o bashdefault -C "
		script := "run() { eval \"$1\"; }\n" + strings.Replace(code, complete, "run ", 1)
		script = strings.Replace(script, "autoload -U +X bashcompinit && bashcompinit", "", 1)
		out, err := exec.Command(bash, "-c", script).CombinedOutput()
		if _, serr := os.Stat(marker); err != nil || serr != nil {
			t.Errorf("%s code %q did not run %q: %v %v\n%s", shell, code, bin, err, serr, out)
		}
		os.Remove(marker)
	}
	if fish := completionShell("fish", "supers", bin, "completion").code; !strings.Contains(fish, "    '"+strings.ReplaceAll(bin, "'", `\'`)+"'\n") {
		t.Errorf("fish code does not quote the path:\n%s", fish)
	}
	// A plain path stays as it was.
	if code := completionShell("bash", "supers", "/usr/local/bin/supers", "completion").code; code != "complete -o default -o bashdefault -C /usr/local/bin/supers supers" {
		t.Errorf("bash code %q", code)
	}
}
