package main

import (
	"strings"
	"testing"
)

// The help of --json, a global flag shown under every command, said
// "Print JSON instead of a table." under logs, edit and completion too,
// which print no JSON (the README: --json does not apply to logs).
func TestHelpOfJSONSaysWhereItApplies(t *testing.T) {
	for _, cmd := range []string{"logs", "edit", "completion", "status", "events"} {
		r := runCLI(t, nil, cmd, "--help")
		if r.code != exitOK {
			t.Fatalf("%s --help: code %d, stderr %q", cmd, r.code, r.stderr)
		}
		_, after, ok := strings.Cut(r.stdout, "\n      --json ")
		if !ok {
			t.Fatalf("%s --help lists no --json:\n%s", cmd, r.stdout)
		}
		help, _, _ := strings.Cut(after, "\n      --")
		help = strings.Join(strings.Fields(help), " ")
		if strings.Contains(help, "table") || !strings.Contains(help, "logs, edit and completion print no JSON") {
			t.Errorf("%s --help: --json %q", cmd, help)
		}
	}
}
