package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// supers logs of several services (names or patterns) prints the last
// lines of each in turn, each line whole and prefixed with its service's
// name; an unknown service or a pattern that matches none is reported and
// the others are still printed (exit 4). With --both, stdout's last lines,
// then stderr's, each line prefixed with its stream, and with its
// service's name too for several services; an unknown service is then
// reported once, not once per stream. Lines with the stamps of [Log]
// Timestamps= are merged by them, lines without one coming right after
// the line before them in their stream.
func TestLogsSeveralServices(t *testing.T) {
	fb := withLogs()
	fb.logs["db stdout"] = "d1\nd2\npartial"
	fb.logs["db stderr"] = "e1\n"
	const s1, s2, s3 = "2026-11-27T10:00:00.001Z ", "2026-11-27T10:00:00.002Z ", "2026-11-27T10:00:01.000Z "
	fb.logs["idle stdout"] = "unstamped o\n" + s1 + "o1\n" + s2 + "o2 tie\n" + s3 + "o3 last, no newline"
	fb.logs["idle stderr"] = s2 + "e1 tie\nunstamped e\n" + s2 + "e2\n"
	socket := startDaemon(t, fb)
	for _, tc := range []struct {
		args   []string
		stdout string
		stderr string
		code   int
	}{
		{[]string{"web", "db", "-n", "2"}, "web | out 14\nweb | \x1b[31mred\x1b[0m\tand\r\xff no newline\ndb  | d2\ndb  | partial\n", "", exitOK},
		{[]string{"we*", "-n", "1"}, "web | \x1b[31mred\x1b[0m\tand\r\xff no newline\n", "", exitOK},
		{[]string{"--stderr", "web", "db", "-n", "1"}, "web | err 3\ndb  | e1\n", "", exitOK},
		{[]string{"web", "nope", "-n", "1"}, "web  | \x1b[31mred\x1b[0m\tand\r\xff no newline\n", "supers: unknown service \"nope\"\n", exitUnknown},
		{[]string{"zz*", "db", "-n", "1"}, "db | partial\n", "supers: logs: no service matches \"zz*\"\n", exitUnknown},
		{[]string{"--both", "web", "-n", "1"}, "stdout | \x1b[31mred\x1b[0m\tand\r\xff no newline\nstderr | err 3\n", "", exitOK},
		{[]string{"--both", "web", "db", "-n", "1"}, "web stdout | \x1b[31mred\x1b[0m\tand\r\xff no newline\nweb stderr | err 3\ndb  stdout | partial\ndb  stderr | e1\n", "", exitOK},
		{[]string{"--both", "db", "nope", "-n", "2"}, "db   stdout | d2\ndb   stdout | partial\ndb   stderr | e1\n", "supers: unknown service \"nope\"\n", exitUnknown},
		{[]string{"--both", "nope"}, "", "supers: unknown service \"nope\"\n", exitUnknown},
		{[]string{"--both", "idle", "-n", "all"}, "stdout | unstamped o\nstdout | " + s1 + "o1\nstdout | " + s2 + "o2 tie\nstderr | " + s2 +
			"e1 tie\nstderr | unstamped e\nstderr | " + s2 + "e2\nstdout | " + s3 + "o3 last, no newline\n", "", exitOK},
		{[]string{"--both", "idle", "-n", "1"}, "stderr | " + s2 + "e2\nstdout | " + s3 + "o3 last, no newline\n", "", exitOK},
	} {
		r := runAgainst(t, socket, append([]string{"logs"}, tc.args...)...)
		if r.code != tc.code || r.stdout != tc.stdout || r.stderr != tc.stderr {
			t.Errorf("%q: code %d, stdout %q, stderr %q\nwant %d, %q, %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
}

// More services than supers reads at once is a usage error: 64, or 32
// with --both (two streams each).
func TestLogsTooManyServices(t *testing.T) {
	var sts []transport.ServiceStatus
	for i := range maxLogStreams + 1 {
		sts = append(sts, transport.ServiceStatus{Name: fmt.Sprintf("s%03d", i), State: transport.StateRunning})
	}
	socket := startDaemon(t, newFakeBackend(sts...))
	r := runAgainst(t, socket, "logs", "s*")
	want := fmt.Sprintf("supers: error: logs: %d services match; at most %d at once", maxLogStreams+1, maxLogStreams)
	if r.code != exitUsage || !strings.HasPrefix(r.stderr, want) || r.stdout != "" {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runAgainst(t, socket, "logs", "--both", "s00*", "s01*", "s02*", "s030", "s031", "s032")
	want = "supers: error: logs: 33 services match; at most 32 at once with --both"
	if r.code != exitUsage || !strings.HasPrefix(r.stderr, want) || r.stdout != "" {
		t.Errorf("--both: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// supers logs --both and --stderr together are a usage error.
func TestLogsBothAndStderr(t *testing.T) {
	socket := startDaemon(t, withLogs())
	r := runAgainst(t, socket, "logs", "--both", "--stderr", "web")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--both") || !strings.Contains(r.stderr, "--stderr") || r.stdout != "" {
		t.Errorf("--both --stderr: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// With -f, the lines of every service are printed as they come, each
// whole (a line sent in two pieces is not split by another service's),
// until the user ends it (exit 0) or superd closes them all (exit 1); so
// are the lines of both streams of a service with --both.
func TestLogsFollowSeveralServices(t *testing.T) {
	for _, mode := range []struct {
		name   string
		args   []string
		keys   [2]string // of fakeBackend.logLiveOf: the first and second stream
		prefix [2]string
	}{
		{"several services", []string{"web", "db"}, [2]string{"web", "db"}, [2]string{"web | ", "db  | "}},
		{"both streams", []string{"--both", "web"}, [2]string{"web stdout", "web stderr"}, [2]string{"stdout | ", "stderr | "}},
	} {
		for _, byUser := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, ended by user %v", mode.name, byUser), func(t *testing.T) {
				fb := withLogs()
				one, two := make(chan string), make(chan string)
				fb.logLiveOf = map[string]chan string{mode.keys[0]: one, mode.keys[1]: two}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				stdout, stderr, code := startLogs(ctx, startDaemon(t, fb), append([]string{"-n", "0"}, mode.args...)...)
				p1, p2 := mode.prefix[0], mode.prefix[1]
				sendLog(t, two, "half ")
				sendLog(t, one, "w1\nw2")
				waitOutput(t, stdout, p1+"w1\n")
				sendLog(t, two, "and half\n")
				waitOutput(t, stdout, p1+"w1\n"+p2+"half and half\n")
				sendLog(t, one, " end\n")
				want := p1 + "w1\n" + p2 + "half and half\n" + p1 + "w2 end\n"
				waitOutput(t, stdout, want)
				if byUser {
					cancel()
					if c := waitCode(t, code); c != exitOK || stderr.String() != "" {
						t.Errorf("code %d, stderr %q", c, stderr.String())
					}
					return
				}
				sendLog(t, two, "last, no newline")
				close(one)
				close(two)
				if c := waitCode(t, code); c != exitError || stderr.String() != "supers: superd closed the log stream\n" {
					t.Errorf("code %d, stderr %q", c, stderr.String())
				}
				if got := stdout.String(); got != want+p2+"last, no newline\n" {
					t.Errorf("stdout %q", got)
				}
			})
		}
	}
}
