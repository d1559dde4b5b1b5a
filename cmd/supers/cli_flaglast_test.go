package main

import (
	"strings"
	"testing"
)

// A flag that takes a value, given last after the names of a command that
// takes several, is a flag without its value: it is not handed the first
// name as its value. "supers status web --socket" tried a socket named
// "web"; "supers stop web --url" said a name was missing; "supers start
// web --timeout" called web a bad duration.
func TestValueFlagLastAfterNames(t *testing.T) {
	for _, args := range [][]string{
		{"status", "web", "--socket"},
		{"status", "web", "db", "--socket"},
		{"stop", "web", "--url"},
		{"start", "web", "--timeout"},
		{"restart", "web", "--token-file"},
		{"rm", "web", "--if-match"},
		{"start", "web", "--min-uptime"},
	} {
		r := runCLI(t, nil, args...)
		flag := args[len(args)-1]
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, "supers: error: "+flag+": missing value\n") {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"start web --timeout", "start web --timeout"},
		{"status web --json db --socket", "status --json web db --socket"},
		{"rm web --if-match", "rm web --if-match"},
	} {
		if got := strings.Join(flagsBeforeNames(strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("flagsBeforeNames(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
