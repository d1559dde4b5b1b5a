package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// names returns n service names.
func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("svc%02d", i)
	}
	return out
}

func TestReloadOutput(t *testing.T) {
	badErr := transport.ConfigError{File: "/etc/super/bad.service", Line: 3, Message: badFile}
	for _, tc := range []struct {
		name string
		res  transport.ReloadResult
		code int
		want string
	}{
		{
			name: "everything",
			res: transport.ReloadResult{
				Added: []string{"worker", "web"}, Removed: []string{"old"}, Changed: []string{"api"},
				Unchanged: names(12), Errors: []transport.ConfigError{badErr},
			},
			code: 1,
			want: "added: web, worker\nremoved: old\nchanged: api\nunchanged: 12 services\nerror: " + badFile + "\n",
		},
		{
			name: "no errors",
			res:  transport.ReloadResult{Added: []string{"web"}, Unchanged: names(1)},
			want: "added: web\nunchanged: 1 service\n",
		},
		{
			name: "only removals",
			res:  transport.ReloadResult{Removed: []string{"b", "a"}},
			want: "removed: a, b\n",
		},
		{
			name: "nothing to do",
			res:  transport.ReloadResult{Unchanged: names(12)},
			want: "nothing to do (12 services unchanged)\n",
		},
		{
			name: "webhooks alone are something to do",
			res:  transport.ReloadResult{Unchanged: names(3), WebhooksReloaded: true},
			want: "webhooks: reloaded (superd.conf changed)\nunchanged: 3 services\n",
		},
		{
			name: "webhooks after the services' changes",
			res:  transport.ReloadResult{Changed: []string{"api"}, WebhooksReloaded: true},
			want: "changed: api\nwebhooks: reloaded (superd.conf changed)\n",
		},
		{
			name: "nothing at all",
			want: "nothing to do (0 services unchanged)\n",
		},
		{
			name: "one unchanged",
			res:  transport.ReloadResult{Unchanged: names(1)},
			want: "nothing to do (1 service unchanged)\n",
		},
		{
			name: "only errors, sorted by file, one line per problem, sanitised",
			res: transport.ReloadResult{Errors: []transport.ConfigError{
				{File: "/etc/super/z.service", Line: 2, Message: "/etc/super/z.service:2: a\n/etc/super/z.service:5: b \x1b[2J\n"},
				badErr,
				{File: "/etc/super/unreadable.service"},
			}},
			code: 1,
			want: "error: " + badFile + "\n" +
				"error: /etc/super/unreadable.service\n" +
				"error: /etc/super/z.service:2: a\n" +
				"error: /etc/super/z.service:5: b ?[2J\n",
		},
		{
			name: "names from superd are sanitised",
			res:  transport.ReloadResult{Added: []string{"a\nb", "c\x1b[0m"}},
			want: "added: a b, c?[0m\n",
		},
		{
			name: "a warning alone: nothing to do, and the warning; exit 0",
			res:  transport.ReloadResult{Unchanged: names(2), Warnings: []string{"superd.conf: changed\x1b[2J"}},
			want: "nothing to do (2 services unchanged)\nwarning: superd.conf: changed?[2J\n",
		},
		{
			name: "warnings after the errors",
			res:  transport.ReloadResult{Changed: []string{"api"}, Errors: []transport.ConfigError{badErr}, Warnings: []string{"w1", "w2"}},
			code: 1,
			want: "changed: api\nerror: " + badFile + "\nwarning: w1\nwarning: w2\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := fixture()
			fb.reload = tc.res
			r := runAgainst(t, startDaemon(t, fb), "reload")
			if r.code != tc.code || r.stdout != tc.want || r.stderr != "" {
				t.Errorf("code %d, stderr %q, stdout:\n%s\nwant code %d, stdout:\n%s", r.code, r.stderr, r.stdout, tc.code, tc.want)
			}
			if calls := fb.callLog(); !slices.Equal(calls, []string{"reload"}) {
				t.Errorf("calls %q", calls)
			}
		})
	}
}

func TestReloadJSON(t *testing.T) {
	fb := fixture()
	fb.reload = transport.ReloadResult{Added: []string{"web"}, Unchanged: []string{"db"}}
	socket := startDaemon(t, fb)
	r := runAgainst(t, socket, "--json", "reload")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	for key, want := range map[string]string{
		"added": "[web]", "removed": "[]", "changed": "[]", "unchanged": "[db]", "errors": "[]",
	} {
		if list, ok := got[key].([]any); !ok || fmt.Sprint(list) != want {
			t.Errorf("%s: %#v, want %s\n%s", key, got[key], want, r.stdout)
		}
	}

	fb.mu.Lock()
	fb.reload = transport.ReloadResult{Errors: []transport.ConfigError{{File: "/etc/super/bad.service", Line: 3, Message: badFile}}}
	fb.mu.Unlock()
	r = runAgainst(t, socket, "--json", "reload")
	var res transport.ReloadResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 1 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q, %v\n%s", r.code, r.stderr, err, r.stdout)
	}
	if len(res.Errors) != 1 || res.Errors[0].Line != 3 || res.Errors[0].Message != badFile {
		t.Errorf("errors %+v", res.Errors)
	}
}

func TestConfigUnavailable(t *testing.T) {
	fb := fixture()
	fb.dirErr = fmt.Errorf("%w: reading /etc/super: no such file or directory", transport.ErrConfigUnavailable)
	socket := startDaemon(t, fb)
	want := "supers: configuration unavailable: reading /etc/super: no such file or directory\n"
	for _, args := range [][]string{{"reload"}, {"--json", "reload"}, {"check"}, {"--json", "check"}} {
		r := runAgainst(t, socket, args...)
		if r.code != 1 || r.stdout != "" || r.stderr != want {
			t.Errorf("%q: code %d, stdout %q, stderr %q\nwant stderr %q", args, r.code, r.stdout, r.stderr, want)
		}
	}
}

func TestReloadAndCheckFromOlderDaemon(t *testing.T) {
	h := transport.NewHandler(fixture(), transport.HandlerOptions{})
	older := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/reload" || r.URL.Path == "/v1/config/check" {
			r.URL.Path = "/v1/no-such-route"
		}
		h.ServeHTTP(w, r)
	})
	socket := serveDaemon(t, older)
	for _, verb := range []string{"reload", "check"} {
		r := runAgainst(t, socket, verb)
		want := "supers: superd at " + socket + " does not support " + verb + " (is it older than supers?)\n"
		if r.code != 1 || r.stdout != "" || r.stderr != want {
			t.Errorf("%s: code %d, stdout %q, stderr %q\nwant %q", verb, r.code, r.stdout, r.stderr, want)
		}
	}
}

func TestReloadTimeout(t *testing.T) {
	fb := fixture()
	fb.block = true
	socket := startDaemon(t, fb)
	want := "supers: no answer from superd at " + socket + " within 100ms (see --timeout)\n"
	for _, verb := range []string{"reload", "check"} {
		r := runAgainst(t, socket, "--timeout", "100ms", verb)
		if r.code != 1 || r.stderr != want {
			t.Errorf("%s: code %d, stderr %q\nwant %q", verb, r.code, r.stderr, want)
		}
	}
}

func TestCheckByDaemon(t *testing.T) {
	fb := fixture()
	socket := startDaemon(t, fb)

	r := runAgainst(t, socket, "check")
	if r.code != 0 || r.stdout != "configuration OK\n" || r.stderr != "" {
		t.Errorf("valid: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runAgainst(t, socket, "--json", "check")
	if r.code != 0 || strings.Join(strings.Fields(r.stdout), "") != `{"errors":[]}` {
		t.Errorf("valid --json: code %d, stdout %q", r.code, r.stdout)
	}
	// -v only matters for local files.
	if r := runAgainst(t, socket, "check", "-v"); r.code != 0 || r.stdout != "configuration OK\n" {
		t.Errorf("-v: code %d, stdout %q", r.code, r.stdout)
	}

	fb.mu.Lock()
	fb.check = []transport.ConfigError{
		{File: "/etc/super/z.service", Message: "/etc/super/z.service: [Service] ExecStart: required key is missing"},
		{File: "/etc/super/bad.service", Line: 3, Message: badFile},
	}
	fb.mu.Unlock()
	r = runAgainst(t, socket, "check")
	want := "error: " + badFile + "\nerror: /etc/super/z.service: [Service] ExecStart: required key is missing\n"
	if r.code != 1 || r.stdout != want || r.stderr != "" {
		t.Errorf("invalid: code %d, stderr %q, stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
	}
	r = runAgainst(t, socket, "--json", "check")
	var got transport.ConfigErrors
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 1 {
		t.Fatalf("invalid --json: code %d, %v\n%s", r.code, err, r.stdout)
	}
	if len(got.Errors) != 2 || got.Errors[0].File != "/etc/super/bad.service" || got.Errors[0].Line != 3 {
		t.Errorf("invalid --json: %+v", got)
	}
	for _, call := range fb.callLog() {
		if call != "check" {
			t.Errorf("unexpected call %q", call)
		}
	}
}

// serviceFiles writes a good, a bad and a doubly bad service file in a new
// directory and returns their paths, plus one of a file that does not exist.
func serviceFiles(t *testing.T) (good, bad, multi, missing string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good = write("good.service", "[Unit]\nDescription=fine\n\n[Service]\nExecStart=/bin/true\n")
	bad = write("bad.service", "[Service]\nExecStart=/bin/true\nRestrat=always\n")
	multi = write("multi.service", "[Service]\nExecStrat=/bin/true\n")
	return good, bad, multi, filepath.Join(dir, "missing.service")
}

func TestCheckFiles(t *testing.T) {
	good, bad, multi, missing := serviceFiles(t)
	badLine := "error: " + bad + ":3: [Service] Restrat: unknown key (did you mean Restart?)\n"
	multiLines := "error: " + multi + ":2: [Service] ExecStrat: unknown key (did you mean ExecStart?)\n" +
		"error: " + multi + ": [Service] ExecStart: required key is missing\n"
	missingLine := "error: " + missing + ": cannot read: no such file or directory\n"

	// No superd is needed: the socket does not exist.
	socket := filepath.Join(shortTempDir(t), "superd.sock")
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{good}, 0, ""},
		{[]string{"-v", good}, 0, "ok: " + good + "\n"},
		{[]string{good, good}, 0, ""},
		{[]string{bad}, 1, badLine},
		{[]string{multi}, 1, multiLines},
		{[]string{missing}, 1, missingLine},
		// In the order given, each file's problems together.
		{[]string{missing, good, multi, bad}, 1, missingLine + multiLines + badLine},
		{[]string{"--verbose", bad, good}, 1, badLine + "ok: " + good + "\n"},
	} {
		r := runAgainst(t, socket, append([]string{"check"}, tc.args...)...)
		if r.code != tc.code || r.stdout != tc.stdout || r.stderr != "" {
			t.Errorf("%q: code %d, stderr %q, stdout:\n%s\nwant code %d, stdout:\n%s",
				tc.args, r.code, r.stderr, r.stdout, tc.code, tc.stdout)
		}
	}

	// Valid, but not UTF-8: superd loads it, supers apply refuses it. A
	// warning says so, and the check passes.
	latin1 := filepath.Join(filepath.Dir(good), "latin1.service")
	if err := os.WriteFile(latin1, []byte("[Unit]\nDescription=caf\xe9\n[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runAgainst(t, socket, "check", latin1); r.code != 0 || r.stdout != "" ||
		r.stderr != "supers: warning: "+latin1+":2 is not valid UTF-8: superd loads the file from its config dir, but supers apply refuses it\n" {
		t.Errorf("%s: code %d, stdout %q, stderr %q", latin1, r.code, r.stdout, r.stderr)
	}

	// A file that is not a service file is named too.
	notService := filepath.Join(filepath.Dir(good), "web.conf")
	r := runAgainst(t, socket, "check", notService)
	if r.code != 1 || !strings.HasPrefix(r.stdout, "error: "+notService+": ") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("%s: code %d, stdout %q", notService, r.code, r.stdout)
	}
}

func TestCheckFilesJSON(t *testing.T) {
	good, bad, multi, missing := serviceFiles(t)
	socket := filepath.Join(shortTempDir(t), "superd.sock")

	r := runAgainst(t, socket, "--json", "check", "-v", good)
	if r.code != 0 || strings.Join(strings.Fields(r.stdout), "") != `{"errors":[]}` || r.stderr != "" {
		t.Errorf("valid: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	r = runAgainst(t, socket, "--json", "check", bad, good, multi, missing)
	if r.code != 1 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	var got transport.ConfigErrors
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	want := []transport.ConfigError{
		{File: bad, Line: 3, Message: bad + ":3: [Service] Restrat: unknown key (did you mean Restart?)"},
		{File: multi, Line: 2, Message: multi + ":2: [Service] ExecStrat: unknown key (did you mean ExecStart?)"},
		{File: multi, Message: multi + ": [Service] ExecStart: required key is missing"},
		{File: missing, Message: missing + ": cannot read: no such file or directory"},
	}
	if !slices.Equal(got.Errors, want) {
		t.Errorf("got  %+v\nwant %+v", got.Errors, want)
	}
}

func TestConfigChangedMarker(t *testing.T) {
	fb := fixture()
	for _, name := range []string{"web", "idle"} {
		s := fb.services[name]
		s.ConfigChanged = true
		fb.services[name] = s
	}
	socket := startDaemon(t, fb)
	const note = "supers: * " + configChangedNote + "\n"

	want := "" +
		"NAME              STATE            PID   UPTIME  RESTARTS  DESCRIPTION\n" +
		"db                running          77    2d4h    0         PostgreSQL\n" +
		"idle              stopped *        -     -       0         never started\n" +
		"web               running *        4242  3m12s   1         Web frontend\n" +
		"worker-long-name  exited (exit 3)  -     -       12        \n"
	for _, cmd := range []string{"list", "status"} {
		r := runAgainst(t, socket, cmd)
		if r.code != 0 || r.stdout != want || r.stderr != note {
			t.Errorf("%s: code %d, stderr %q, stdout:\n%s\nwant:\n%s", cmd, r.code, r.stderr, r.stdout, want)
		}
	}

	// Named: only when a shown service is marked.
	if r := runAgainst(t, socket, "status", "web"); r.code != 0 || !strings.Contains(r.stdout, "running *") || r.stderr != note {
		t.Errorf("status web: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := runAgainst(t, socket, "status", "db"); r.code != 0 || strings.Contains(r.stdout, "*") || r.stderr != "" {
		t.Errorf("status db: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	// In JSON the field says it; no note.
	r := runAgainst(t, socket, "--json", "list")
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 || r.stderr != "" {
		t.Fatalf("--json: code %d, stderr %q, %v", r.code, r.stderr, err)
	}
	for _, s := range got {
		marked := s["name"] == "web" || s["name"] == "idle"
		if v, ok := s["config_changed"]; ok != marked || (ok && v != true) {
			t.Errorf("--json: %v", s)
		}
	}
}

func TestStartUnknownShowsWhereSuperdLooked(t *testing.T) {
	fb := fixture()
	fb.errs["x"] = fmt.Errorf("%w %q (no file /etc/super/x.service)", transport.ErrUnknownService, "x")
	socket := startDaemon(t, fb)
	want := "supers: unknown service \"x\" (no file /etc/super/x.service)\n"
	for _, args := range [][]string{{"start", "x"}, {"restart", "x"}} {
		r := runAgainst(t, socket, args...)
		if r.code != exitUnknown || r.stdout != "" || r.stderr != want {
			t.Errorf("%q: code %d, stdout %q, stderr %q\nwant %q", args, r.code, r.stdout, r.stderr, want)
		}
	}
}

func TestReloadUsage(t *testing.T) {
	r := runAgainst(t, "/nonexistent.sock", "reload", "web")
	if r.code != 2 || !strings.Contains(r.stderr, `Run "supers reload --help" for usage.`) {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	for _, cmd := range []string{"reload", "check"} {
		r := runAgainst(t, "/nonexistent.sock", cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: supers "+cmd) {
			t.Errorf("%s --help: code %d, stdout %q", cmd, r.code, r.stdout)
		}
	}
}

// check DIR says the argument is a directory, and how to check one, rather
// than that "DIR" is not a service file name.
func TestCheckFilesDirectory(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, nil, "check", dir)
	want := "error: " + dir + ": is a directory: name its files (" + filepath.Join(dir, "*.service") + "), or check it whole with superd --check --config-dir " + dir + "\n"
	if r.code != exitError || r.stdout != want {
		t.Errorf("code %d, stdout %q, want %q", r.code, r.stdout, want)
	}
}

// check of a directory named like a service file (a *.service glob that
// matched one) says it is not a service file, as superd says of it in a
// config dir, instead of advising to check the files in it; check of a
// file whose name starts with a dot says that superd skips it, rather
// than that its service name is invalid.
func TestCheckFilesSuperdSkipsOrRefuses(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "web.service")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	hidden := filepath.Join(dir, ".web.service")
	if err := os.WriteFile(hidden, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dotDir := filepath.Join(dir, ".old.service") // skipped too, not refused
	if err := os.Mkdir(dotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "check", sub, hidden, dotDir)
	want := "error: " + sub + ": is a directory, not a service file (in a config dir, superd refuses it: not a regular file)\n" +
		"error: " + hidden + ": superd ignores it: it skips the files whose name starts with a dot (editors' lock and backup files); name it web.service to have it loaded\n" +
		"error: " + dotDir + ": superd ignores it: it skips the files whose name starts with a dot (editors' lock and backup files)\n"
	if r.code != exitError || r.stdout != want {
		t.Errorf("code %d, stdout %q, want %q", r.code, r.stdout, want)
	}
}
