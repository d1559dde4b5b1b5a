package main

import (
	"strings"
	"testing"
)

// "supers completion" without a shell, when $SHELL names none it knows (or
// is unset), is a usage error (exit 2, pointing at the command's help): the
// user has to name the shell. It exited 1, as for a failure.
func TestCompletionUnknownShellIsUsageError(t *testing.T) {
	for _, env := range []map[string]string{{"SHELL": "/bin/tcsh"}, nil} {
		r := runCLI(t, env, "completion")
		if r.code != exitUsage || !strings.Contains(r.stderr, "name it: supers completion bash|zsh|fish") ||
			!strings.Contains(r.stderr, `Run "supers completion --help" for usage.`) || r.stdout != "" {
			t.Errorf("SHELL=%q: code %d, stdout %q, stderr %q", env["SHELL"], r.code, r.stdout, r.stderr)
		}
	}
}
