package main

import (
	"strings"
	"testing"
)

// events --service with an empty value (a script's unset variable: --service
// "$SVC") is a usage error, as an empty name is to every other command, not
// every service's events: the filter was silently left out.
func TestEventsEmptyServiceIsUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"events", "--service", ""},
		{"events", "--service="},
		{"events", "-f", "--service="},
	} {
		r := runCLI(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, `invalid service name "": must not be empty`) || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}
