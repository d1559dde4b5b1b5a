package main

import (
	"os"
	"strings"
	"testing"
)

// The limit on asking superd for service names while completing, and the
// variable that replaces it, were said nowhere but in the code: neither
// "supers completion --help" nor the README's line on completion named
// them.
func TestCompletionHelpNamesTheTimeoutVariable(t *testing.T) {
	limit := defaultCompletionTimeout.String()
	r := runCLI(t, nil, "completion", "--help")
	help := strings.Join(strings.Fields(r.stdout), " ")
	if r.code != 0 || !strings.Contains(help, "$"+completionTimeoutEnv) || !strings.Contains(help, limit) {
		t.Errorf("supers completion --help (exit %d) does not name $%s and its default %s:\n%s", r.code, completionTimeoutEnv, limit, r.stdout)
	}

	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The README's usage of supers gives completion a line, which the
	// more indented lines under it continue.
	_, after, ok := strings.Cut(string(readme), "\n  completion bash|zsh|fish")
	if !ok {
		t.Fatal("README.md has no completion line in the usage of supers")
	}
	lines := strings.Split(after, "\n")
	entry := lines[0]
	for _, line := range lines[1:] {
		if !strings.HasPrefix(line, "    ") {
			break
		}
		entry += " " + strings.TrimSpace(line)
	}
	if !strings.Contains(entry, completionTimeoutEnv) || !strings.Contains(entry, limit) {
		t.Errorf("README.md's completion entry does not name %s and its default %s:\n%s", completionTimeoutEnv, limit, entry)
	}
}
