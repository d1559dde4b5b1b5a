package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

func intp(i int) *int { return &i }

// fixture is a small, varied set of services.
func fixture() *fakeBackend {
	return newFakeBackend(
		transport.ServiceStatus{Name: "web", State: transport.StateRunning, PID: 4242, UptimeSeconds: 192, Restarts: 1, Description: "Web frontend"},
		transport.ServiceStatus{Name: "db", State: transport.StateRunning, PID: 77, UptimeSeconds: 187200, Description: "PostgreSQL"},
		transport.ServiceStatus{Name: "worker-long-name", State: transport.StateExited, LastExit: &transport.ExitInfo{Code: intp(3)}, Restarts: 12},
		transport.ServiceStatus{Name: "idle", State: transport.StateStopped, Description: "never started"},
	)
}

func TestListTable(t *testing.T) {
	socket := startDaemon(t, fixture())
	want := "" +
		"NAME              STATE            PID   UPTIME  RESTARTS  DESCRIPTION\n" +
		"db                running          77    2d4h    0         PostgreSQL\n" +
		"idle              stopped          -     -       0         never started\n" +
		"web               running          4242  3m12s   1         Web frontend\n" +
		"worker-long-name  exited (exit 3)  -     -       12        \n"
	for _, cmd := range []string{"list", "ls", "status"} {
		r := runAgainst(t, socket, cmd)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%s: code %d, stderr %q", cmd, r.code, r.stderr)
		}
		if r.stdout != want {
			t.Errorf("%s output:\n%s\nwant:\n%s", cmd, r.stdout, want)
		}
	}
}

func TestTableSanitisesDaemonText(t *testing.T) {
	socket := startDaemon(t, newFakeBackend(
		transport.ServiceStatus{Name: "a", State: transport.StateExited, Error: "exec: \"x\":\nnot found", Description: "tab\there \x1b[31mred"},
		transport.ServiceStatus{Name: "bb", State: transport.StateRunning, PID: 1, Description: "ok"},
	))
	r := runAgainst(t, socket, "list")
	want := "" +
		"NAME  STATE                          PID  UPTIME  RESTARTS  DESCRIPTION\n" +
		"a     exited (exec: \"x\": not found)  -    -       0         tab here ?[31mred\n" +
		"bb    running                        1    0s      0         ok\n"
	if r.stdout != want {
		t.Errorf("output:\n%q\nwant:\n%q", r.stdout, want)
	}
}

func TestListJSON(t *testing.T) {
	socket := startDaemon(t, fixture())
	r := runAgainst(t, socket, "--json", "list")
	if r.code != 0 {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(got) != 4 {
		t.Fatalf("%d entries", len(got))
	}
	for _, entry := range got {
		for _, key := range []string{"name", "state", "pid", "restarts", "uptime_seconds", "last_exit", "description"} {
			if _, ok := entry[key]; !ok {
				t.Errorf("entry %v lacks %q", entry, key)
			}
		}
	}
	if got[0]["name"] != "db" || got[3]["name"] != "worker-long-name" {
		t.Errorf("not sorted: %v", got)
	}
	if exit := got[3]["last_exit"].(map[string]any); exit["code"] != 3.0 {
		t.Errorf("last_exit %v", exit)
	}

	// An empty list is an empty array, not null.
	r = runAgainst(t, startDaemon(t, newFakeBackend()), "--json", "status")
	if strings.TrimSpace(r.stdout) != "[]" || r.code != 0 {
		t.Errorf("empty: code %d, %q", r.code, r.stdout)
	}
}

func TestStatusExitCodes(t *testing.T) {
	socket := startDaemon(t, fixture())
	for _, tc := range []struct {
		names  []string
		code   int
		rows   []string
		stderr string
	}{
		{[]string{"web"}, 0, []string{"web"}, ""},
		{[]string{"web", "db"}, 0, []string{"web", "db"}, ""},
		{[]string{"web", "idle"}, 3, []string{"web", "idle"}, ""},
		{[]string{"worker-long-name"}, 3, []string{"worker-long-name"}, ""},
		{[]string{"x"}, 4, nil, "supers: unknown service \"x\"\n"},
		{[]string{"idle", "x", "web"}, 4, []string{"idle", "web"}, "supers: unknown service \"x\"\n"},
	} {
		t.Run(strings.Join(tc.names, ","), func(t *testing.T) {
			r := runAgainst(t, socket, append([]string{"status"}, tc.names...)...)
			if r.code != tc.code || r.stderr != tc.stderr {
				t.Fatalf("code %d stderr %q, want %d %q", r.code, r.stderr, tc.code, tc.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			var rows []string
			for _, l := range lines[1:] {
				rows = append(rows, strings.Fields(l)[0])
			}
			if !slices.Equal(rows, tc.rows) {
				t.Errorf("rows %q, want %q\n%s", rows, tc.rows, r.stdout)
			}
		})
	}
}

func TestStatusJSONWithNames(t *testing.T) {
	socket := startDaemon(t, fixture())
	r := runAgainst(t, socket, "--json", "status", "idle", "nope")
	if r.code != 4 {
		t.Fatalf("code %d", r.code)
	}
	var got []transport.ServiceStatus
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 || got[0].Name != "idle" {
		t.Fatalf("%v %+v", err, got)
	}
}

func TestStatusBackendErrorIsReported(t *testing.T) {
	fb := fixture()
	fb.errs["web"] = errors.New("actor mailbox full")
	r := runAgainst(t, startDaemon(t, fb), "status", "web", "db")
	if r.code != 1 || r.stderr != "supers: status web: actor mailbox full\n" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
}

func TestActions(t *testing.T) {
	for _, tc := range []struct {
		verb, name, state string
	}{
		{"start", "idle", "running"},
		{"stop", "web", "stopped (signal SIGTERM)"},
		{"restart", "db", "running"},
	} {
		t.Run(tc.verb, func(t *testing.T) {
			fb := fixture()
			r := runAgainst(t, startDaemon(t, fb), tc.verb, tc.name)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("code %d, stderr %q", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[1], tc.state) {
				t.Errorf("output:\n%s", r.stdout)
			}
			if calls := fb.callLog(); !slices.Equal(calls, []string{tc.verb + " " + tc.name}) {
				t.Errorf("calls %q", calls)
			}
		})
	}
}

func TestActionJSON(t *testing.T) {
	fb := fixture()
	r := runAgainst(t, startDaemon(t, fb), "--json", "restart", "web", "db")
	var got []transport.ServiceStatus
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("code %d, %v\n%s", r.code, err, r.stdout)
	}
	if len(got) != 2 || got[0].Name != "web" || got[0].Restarts != 2 || got[1].Name != "db" || got[1].State != "running" {
		t.Errorf("%+v", got)
	}
}

func TestActionFailuresAreReportedEach(t *testing.T) {
	fb := fixture()
	fb.errs["web"] = fmt.Errorf("%w: web is stopping", transport.ErrConflict)
	fb.execErr["idle"] = `exec: "idled": executable file not found in $PATH`
	d := startDaemon(t, fb)
	r := runAgainst(t, d, "start", "nope", "web", "idle", "db")
	if r.code != exitUnknown { // the highest of 4 (unknown) and 1 (failed)
		t.Fatalf("code %d, want %d", r.code, exitUnknown)
	}
	wantErr := "supers: unknown service \"nope\"\n" +
		"supers: start web: conflict: web is stopping\n" +
		"supers: start idle: exec: \"idled\": executable file not found in $PATH\n"
	if r.stderr != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, wantErr)
	}
	// Every name was tried despite the failures (at once: in any order).
	if calls := fb.callLog(); !slices.Equal(slices.Sorted(slices.Values(calls)), []string{"start db", "start idle", "start nope", "start web"}) {
		t.Errorf("calls %q", calls)
	}
	if !strings.Contains(r.stdout, "db ") || !strings.Contains(r.stdout, "idle ") {
		t.Errorf("results missing:\n%s", r.stdout)
	}
}

// start, stop and restart exit as status does: 4 for an unknown service,
// 1 for another failure, 0 when every op succeeded.
func TestActionExitCodes(t *testing.T) {
	fb := fixture()
	fb.errs["web"] = fmt.Errorf("%w: web is stopping", transport.ErrConflict)
	d := startDaemon(t, fb)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"stop", "nope"}, exitUnknown},
		{[]string{"restart", "db", "nope"}, exitUnknown},
		{[]string{"start", "web"}, exitError},
		{[]string{"start", "db", "web"}, exitError},
		{[]string{"--json", "stop", "nope"}, exitUnknown},
		{[]string{"start", "db", "idle"}, exitOK},
	} {
		if r := runAgainst(t, d, tc.args...); r.code != tc.code {
			t.Errorf("%q: exit %d (stderr %q), want %d", tc.args, r.code, r.stderr, tc.code)
		}
	}
}

// TestMalformedNamesAreUsageErrors: a malformed service name is a usage
// error (exit 2), found before superd is asked (none runs here).
func TestMalformedNamesAreUsageErrors(t *testing.T) {
	socket := filepath.Join(shortTempDir(t), "superd.sock")
	for _, args := range [][]string{
		{"status", "a/b"}, {"status", "ok", "a b"}, {"start", "../x"}, {"stop", "-"}, {"restart", "ok", "bad/"},
		{"--json", "status", "a/b"}, {"signal", "a/b", "HUP"}, {"cat", "a/b"}, {"rm", "x/y"}, {"edit", ".."},
		{"logs", "../x"}, {"logs", "-f", "a b"},
	} {
		r := runAgainst(t, socket, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "invalid service name") || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestUnreachableDaemon(t *testing.T) {
	socket := filepath.Join(shortTempDir(t), "superd.sock")
	want := "supers: cannot reach superd at " + socket + ": no such file or directory (is superd running?)\n"
	for _, args := range [][]string{
		{"list"}, {"status"}, {"status", "a", "b"}, {"start", "a", "b", "c"}, {"stop", "a"},
		{"restart", "a", "b"}, {"--json", "status", "a"}, {"reload"}, {"--json", "reload"}, {"check"},
	} {
		r := runAgainst(t, socket, args...)
		if r.code != 1 || r.stderr != want || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestSocketFromEnvironment(t *testing.T) {
	socket := startDaemon(t, fixture())
	r := runCLI(t, map[string]string{"SUPERS_SOCKET": socket}, "status", "web")
	if r.code != 0 {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	// --socket wins over the environment.
	r = runCLI(t, map[string]string{"SUPERS_SOCKET": "/nonexistent/superd.sock"}, "--socket", socket, "status", "web")
	if r.code != 0 {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	// A flag given empty (a script's unset variable) is an error, not the
	// flag left out: "--socket=" used to talk to $SUPERS_SOCKET, or to
	// $SUPERS_URL.
	env := map[string]string{"SUPERS_SOCKET": socket, "SUPERS_URL": "http://127.0.0.1:1", "SUPERS_TOKEN_FILE": "/nonexistent"}
	for _, args := range [][]string{
		{"--socket=", "status", "web"}, {"--socket", "", "status", "web"}, {"status", "web", "--socket="},
		{"--url=", "status"}, {"--token-file", "", "list"}, {"--socket=", "logs", "web"},
	} {
		r = runCLI(t, env, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "supers: error: --") || !strings.Contains(r.stderr, ": empty value") || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestTimeout(t *testing.T) {
	fb := fixture()
	fb.block = true
	socket := startDaemon(t, fb)
	r := runAgainst(t, socket, "--timeout", "100ms", "stop", "web")
	want := "supers: stop web: no answer from superd at " + socket + " within 100ms (see --timeout)\n"
	if r.code != 1 || r.stderr != want {
		t.Fatalf("code %d, stderr %q\nwant %q", r.code, r.stderr, want)
	}
	r = runAgainst(t, socket, "--timeout", "100ms", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "no answer from superd") {
		t.Fatalf("list: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		hint string
	}{
		{nil, `Run "supers --help" for usage.`},
		{[]string{"frobnicate"}, `Run "supers --help" for usage.`},
		{[]string{"start"}, `Run "supers start --help" for usage.`},
		{[]string{"stop", "--bogus", "x"}, `Run "supers stop --help" for usage.`},
		{[]string{"--timeout", "soon", "list"}, `Run "supers --help" for usage.`},
		{[]string{"list", "extra"}, `Run "supers list --help" for usage.`},
		{[]string{"completion", "powershell"}, `for usage.`},
	} {
		r := runAgainst(t, "/nonexistent.sock", tc.args...)
		if r.code != 2 {
			t.Errorf("%q: code %d, want 2 (stderr %q)", tc.args, r.code, r.stderr)
			continue
		}
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "supers: error: ") || !strings.Contains(lines[1], tc.hint) {
			t.Errorf("%q: stderr %q", tc.args, r.stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"status", "--help"}} {
		r := runAgainst(t, "/nonexistent.sock", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: supers") || r.stderr != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	socket := startDaemon(t, fixture())
	r := runAgainst(t, socket, "version")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "supers dev (go") || !strings.HasPrefix(lines[1], "superd 9.9.9 (go") {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	r = runAgainst(t, socket, "--json", "version")
	var v versionOutput
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Supers.Version != "dev" || v.Superd == nil || v.Superd.Version != "9.9.9" {
		t.Fatalf("%v %+v", err, v)
	}

	// Without superd: the CLI's version, a note, and success.
	missing := filepath.Join(shortTempDir(t), "superd.sock")
	r = runAgainst(t, missing, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "supers dev") || strings.Count(r.stdout, "\n") != 1 ||
		!strings.Contains(r.stderr, "cannot reach superd at "+missing) {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runAgainst(t, missing, "--json", "version")
	if !strings.Contains(r.stdout, `"superd": null`) {
		t.Fatalf("stdout %q", r.stdout)
	}
}

// A flag given last without its value says so plainly, not in kong's words
// (`--service: expected string value but got "EOL" (<EOL>)`).
func TestUsageMissingValue(t *testing.T) {
	for _, args := range [][]string{{"events", "--service"}, {"list", "--socket"}, {"--timeout"}, {"rm", "--if-match"}} {
		r := runCLI(t, nil, args...)
		flag := args[len(args)-1]
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, "supers: error: "+flag+": missing value\n") {
			t.Errorf("%q: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// Flags among the names of a command that takes several are read as flags,
// as systemctl reads them anywhere: kong stopped at the first flag and
// said "unexpected argument db".
func TestFlagsBeforeNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"start web --json db", "start --json web db"},
		{"--socket /s stop web --timeout 5s db", "--socket /s stop --timeout 5s web db"},
		{"rm web --if-match abc", "rm --if-match abc web"},
		{"check a.service -v b.service", "check -v a.service b.service"},
		{"status web --timeout=2s db", "status --timeout=2s web db"},
		{"start web -- --json", "start web -- --json"},
		{"start web --timeout", "start web --timeout"},
		{"start web --min-uptime 1s db", "start --min-uptime 1s web db"},
		{"restart --min-uptime 1s --all", "restart --min-uptime 1s --all"},
		{"logs web -n 1 db --stderr", "logs -n 1 --stderr web db"},
		{"logs web --lines 2 -f", "logs --lines 2 -f web"},
		{"logs web -fn 3", "logs -fn 3 web"},
		{"logs web db -fn 3", "logs -fn 3 web db"},
		{"logs web -n3 db", "logs -n3 web db"},
		{"usage web --json db", "usage --json web db"},
		// Left as they are.
		{"signal web HUP", "signal web HUP"},
		{"--json list", "--json list"},
		{"", ""},
	} {
		if got := strings.Join(flagsBeforeNames(strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("flagsBeforeNames(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	socket := startDaemon(t, fixture())
	r := runAgainst(t, socket, "status", "web", "--json", "db")
	var got []transport.ServiceStatus
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 2 || got[0].Name != "web" || got[1].Name != "db" {
		t.Errorf("status web --json db: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// status --all, as start, stop and restart take it, shows what status
// without a name does; with names it is a usage error, as theirs is.
func TestStatusAll(t *testing.T) {
	socket := startDaemon(t, fixture())
	plain := runAgainst(t, socket, "status")
	all := runAgainst(t, socket, "status", "--all")
	// The same table; but --all is judged as names are (as '*' is), and
	// the fixture has services that do not run.
	if plain.code != exitOK || all.code != exitNotRunning || all.stdout != plain.stdout || all.stderr != plain.stderr || !strings.Contains(all.stdout, "web") {
		t.Errorf("status --all: code %d, stdout %q, stderr %q\nstatus: code %d, stdout %q, stderr %q",
			all.code, all.stdout, all.stderr, plain.code, plain.stdout, plain.stderr)
	}
	if star := runAgainst(t, socket, "status", "*"); star.code != all.code {
		t.Errorf("status '*': code %d, want %d as --all", star.code, all.code)
	}
	if js := runAgainst(t, socket, "--json", "status", "--all"); js.code != exitNotRunning {
		t.Errorf("--json status --all: code %d, want %d", js.code, exitNotRunning)
	}
	r := runAgainst(t, socket, "status", "--all", "web")
	want := "supers: error: status: give service names (or patterns) or --all, not both\nRun \"supers status --help\" for usage.\n"
	if r.code != exitUsage || r.stderr != want || r.stdout != "" {
		t.Errorf("status --all web: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
