package main

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestLogsLinesTooLarge: -n past the largest int is a number of lines all
// the same: the usage error says it is too large and gives the limit,
// rather than that it is not a number; the limit itself is taken.
func TestLogsLinesTooLarge(t *testing.T) {
	fb := withLogs()
	socket := startDaemon(t, fb)
	limit := strconv.Itoa(math.MaxInt)
	for _, tc := range []struct{ value, want string }{
		{"99999999999999999999", `--lines: "99999999999999999999": too large: at most ` + limit + ` lines, or "all"`},
		{"-99999999999999999999", `--lines: "-99999999999999999999": want a number of lines (0 or more) or "all"`},
		{"+99999999999999999999", `--lines: "+99999999999999999999": want a number of lines (0 or more) or "all"`},
		// Atoi reports the range before the character that is no digit.
		{"99999999999999999999x", `--lines: "99999999999999999999x": want a number of lines (0 or more) or "all"`},
		{"99999999999999999999_9", `--lines: "99999999999999999999_9": want a number of lines (0 or more) or "all"`},
	} {
		r := runAgainst(t, socket, "logs", "-n", tc.value, "web")
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("-n %s: code %d, stderr %q, stdout %q; want code %d and %q", tc.value, r.code, r.stderr, r.stdout, exitUsage, tc.want)
		}
	}
	r := runAgainst(t, socket, "logs", "-n", limit, "web")
	if r.code != exitOK || r.stdout != fb.logs["web stdout"] {
		t.Errorf("-n %s: code %d, stdout %q, stderr %q", limit, r.code, r.stdout, r.stderr)
	}
}
