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

// A shell completion does not know is a usage error naming the three it
// knows: it said `[<shell>] must be one of "bash","zsh","fish","" but got
// "tcsh"`, with the empty value kong's enum needed for $SHELL's default.
func TestCompletionBadShellListsTheShells(t *testing.T) {
	for _, args := range [][]string{{"completion", "tcsh"}, {"completion", "-c", "tcsh"}} {
		r := runCLI(t, nil, args...)
		want := "supers: error: completion: unknown shell \"tcsh\": name bash, zsh or fish\n" +
			"Run \"supers completion --help\" for usage.\n"
		if r.code != exitUsage || r.stderr != want || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q; want %q", args, r.code, r.stdout, r.stderr, want)
		}
	}
}
