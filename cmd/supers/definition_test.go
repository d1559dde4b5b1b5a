package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// Service files for the definition tests.
const (
	webDef = "[Unit]\nDescription=Web frontend\n\n[Service]\nExecStart=/usr/bin/web --port 8080\n"
	// badDef has an invalid value on line 3 and an unknown key on line 4.
	badDef = "[Service]\nExecStart=/bin/true\nRestart=sometimes\nRestrat=always\n"
)

// withDefs is fixture() with service files for web and db.
func withDefs() *fakeBackend {
	fb := fixture()
	fb.defs["web"] = webDef
	fb.defs["db"] = "[Service]\nExecStart=/usr/bin/postgres\n# no final newline"
	return fb
}

// writeFiles writes name → content into a new directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCat(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	for _, name := range []string{"web", "db"} {
		r := runAgainst(t, socket, "cat", name)
		if r.code != exitOK || r.stdout != fb.defs[name] || r.stderr != "" {
			t.Errorf("%s: code %d, stdout %q, stderr %q", name, r.code, r.stdout, r.stderr)
		}
	}

	r := runAgainst(t, socket, "--json", "cat", "web")
	var d transport.Definition
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || r.code != exitOK {
		t.Fatalf("--json: code %d, %v, %q", r.code, err, r.stdout)
	}
	if d != (transport.Definition{Name: "web", File: "/etc/super/web.service", Hash: config.ContentHash([]byte(webDef)), Text: webDef}) {
		t.Errorf("--json: %+v", d)
	}

	// idle runs but has no file.
	r = runAgainst(t, socket, "cat", "idle")
	if r.code != exitUnknown || r.stdout != "" || r.stderr != "supers: unknown service \"idle\" (no file /etc/super/idle.service)\n" {
		t.Errorf("no file: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestApply(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	dir := writeFiles(t, map[string]string{
		"new.service":     "[Service]\nExecStart=/bin/sleep 1000\n",
		"web.service":     webDef + "Restart=always\n",
		"db.service":      fb.defs["db"],
		"bad.service":     badDef,
		"notes.txt":       "[Service]\nExecStart=/bin/true\n",
		"root.service":    "[Service]\nExecStart=/bin/true\nUser=root\n",
		"another.service": "[Service]\nExecStart=/bin/true\n",
		// Refused before it is read whole, let alone sent.
		"big.service": "[Service]\nExecStart=/bin/true\n#" + strings.Repeat("x", config.MaxFileSize),
	})
	file := func(name string) string { return filepath.Join(dir, name) }
	r := runAgainst(t, socket, "apply", file("new.service"), file("bad.service"), file("web.service"), file("notes.txt"),
		file("missing.service"), file("root.service"), file("db.service"), file("another.service"),
		file("big.service"))
	if r.code != exitError {
		t.Errorf("code %d", r.code)
	}
	if want := "new: created\nweb: updated\ndb: unchanged\nanother: created\n"; r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	wantErr := "supers: apply " + file("bad.service") + ": invalid definition, not applied:\n" +
		"  " + file("bad.service") + ":3: [Service] Restart: invalid value \"sometimes\": expected no, on-success, on-failure, on-abnormal or always\n" +
		"  " + file("bad.service") + ":4: [Service] Restrat: unknown key (did you mean Restart?)\n" +
		"supers: apply " + file("notes.txt") + ": the file name must be NAME.service\n" +
		"supers: apply " + file("missing.service") + ": cannot read: no such file or directory\n" +
		"supers: apply " + file("root.service") + ": superd refused the request (403): root would run as root\n" +
		"supers: apply " + file("big.service") + ": larger than 1048576 bytes\n"
	if r.stderr != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, wantErr)
	}
	// Only the valid files reached superd's disk, as they are.
	for _, name := range []string{"new", "web", "db", "another"} {
		want, _ := os.ReadFile(file(name + ".service"))
		if got, _ := fb.def(name); got != string(want) {
			t.Errorf("%s: superd has %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"bad", "notes", "root", "big"} {
		if _, ok := fb.def(name); ok {
			t.Errorf("%s was written", name)
		}
	}
	for _, w := range fb.writeLog() {
		if w.IfMatch != "" {
			t.Errorf("apply sent If-Match %q", w.IfMatch)
		}
	}

	r = runAgainst(t, socket, "--json", "apply", file("web.service"), file("bad.service"))
	var got []transport.DefinitionResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != exitError {
		t.Fatalf("--json: code %d, %v, %q", r.code, err, r.stdout)
	}
	if len(got) != 1 || got[0].Name != "web" || got[0].Action != transport.ActionUnchanged || got[0].Hash == "" {
		t.Errorf("--json: %+v", got)
	}
	if !strings.Contains(r.stderr, "bad.service:4: [Service] Restrat: unknown key") {
		t.Errorf("--json: stderr %q", r.stderr)
	}

	r = runAgainst(t, socket, "apply")
	if r.code != exitUsage {
		t.Errorf("no file: code %d", r.code)
	}
}

func TestApplyStopsWhenUnreachable(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.service": "x", "b.service": "y"})
	socket := filepath.Join(shortTempDir(t), "none.sock")
	r := runAgainst(t, socket, "apply", filepath.Join(dir, "a.service"), filepath.Join(dir, "b.service"))
	want := "supers: cannot reach superd at " + socket + ": no such file or directory (is superd running?)\n"
	if r.code != exitError || r.stderr != want || r.stdout != "" {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRm(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	r := runAgainst(t, socket, "rm", "web", "nope", "db")
	if r.code != exitUnknown {
		t.Errorf("code %d", r.code)
	}
	want := "web: deleted (moved to /etc/super/.trash/web.service.20261126T010203)\n" +
		"db: deleted (moved to /etc/super/.trash/db.service.20261126T010203)\n"
	if r.stdout != want || r.stderr != "supers: unknown service \"nope\"\n" {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
	for _, name := range []string{"web", "db"} {
		if _, ok := fb.def(name); ok {
			t.Errorf("%s left", name)
		}
	}
}

func TestRmIfMatch(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	hash := config.ContentHash([]byte(webDef))

	r := runAgainst(t, socket, "rm", "--if-match", "0123abcd", "web")
	if r.code != exitError || r.stdout != "" ||
		r.stderr != "supers: rm web: precondition failed: web has hash "+hash+", not 0123abcd\n" {
		t.Errorf("mismatch: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, ok := fb.def("web"); !ok {
		t.Fatal("web deleted despite the mismatch")
	}

	// An empty hash (a script's unset variable) is refused, not taken for
	// no condition: it used to delete web unconditionally.
	for _, args := range [][]string{{"rm", "--if-match", "", "web"}, {"rm", "--if-match=", "web"}, {"rm", "--if-match", " ", "web"}} {
		r = runAgainst(t, socket, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--if-match: empty hash") {
			t.Errorf("%q: code %d, stderr %q", args, r.code, r.stderr)
		}
		if _, ok := fb.def("web"); !ok {
			t.Fatalf("%q deleted web", args)
		}
	}

	// Not a hash: quotes inside, a weak tag, a list. A usage error (the
	// API's 400 showed doubled quotes, exit 1).
	for _, bad := range []string{`"ab"cd"`, `W/"abc"`, `abc, def`, `"*"`} {
		r = runAgainst(t, socket, "rm", "--if-match", bad, "web")
		if r.code != exitUsage || !strings.Contains(r.stderr, "is not a hash") {
			t.Errorf("--if-match %s: code %d, stderr %q", bad, r.code, r.stderr)
		}
	}

	// The hash quoted as the API's ETag has it is taken as the hash.
	r = runAgainst(t, socket, "--json", "rm", "--if-match", `"`+hash+`"`, "web")
	var got []transport.DefinitionResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != exitOK {
		t.Fatalf("match: code %d, %v, stdout %q, stderr %q", r.code, err, r.stdout, r.stderr)
	}
	if len(got) != 1 || got[0].Action != transport.ActionDeleted || !strings.HasPrefix(got[0].Trash, "/etc/super/.trash/web.service") {
		t.Errorf("match: %+v", got)
	}
	if w := fb.writeLog(); len(w) != 2 || w[0].IfMatch != "0123abcd" || w[1].IfMatch != hash {
		t.Errorf("writes: %+v", w)
	}

	r = runAgainst(t, socket, "rm", "--if-match", hash, "db", "web")
	if r.code != exitUsage || r.stderr != "supers: error: --if-match takes a single NAME\nRun \"supers rm --help\" for usage.\n" {
		t.Errorf("two names: code %d, stderr %q", r.code, r.stderr)
	}
	if _, ok := fb.def("db"); !ok {
		t.Error("db deleted by a refused command")
	}
}

func TestLocalMessage(t *testing.T) {
	const file = "/etc/super/web.service"
	for _, tc := range []struct {
		e      transport.ConfigError
		offset int
		want   string
	}{
		{transport.ConfigError{File: file, Line: 3, Message: file + ":3: [Service] Restart: bad"}, 0, "./web.service:3: [Service] Restart: bad"},
		{transport.ConfigError{File: file, Line: 3, Message: file + ":3: [Service] Restart: bad"}, 5, "./web.service:8: [Service] Restart: bad"},
		{transport.ConfigError{File: file, Message: file + ": [Service] ExecStart: required key is missing"}, 5, "./web.service: [Service] ExecStart: required key is missing"},
		{transport.ConfigError{File: file, Line: 3, Message: "something else"}, 5, "something else"},
		{transport.ConfigError{File: file, Line: 3}, 5, "./web.service"},
		{transport.ConfigError{Message: "line 3: oops"}, 5, "line 3: oops"},
		{transport.ConfigError{}, 5, "invalid configuration"},
	} {
		if got := localMessage(tc.e, "./web.service", tc.offset); got != tc.want {
			t.Errorf("%+v +%d: %q, want %q", tc.e, tc.offset, got, tc.want)
		}
	}
}

// A file whose name is a malformed service name is a usage error (exit
// 2), as the README says of every malformed name, found before any file
// is sent: it was reported as a failed file, exit 1, the others sent.
func TestApplyMalformedNameIsUsageError(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	dir := writeFiles(t, map[string]string{
		"new.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"-dash.service": "[Service]\nExecStart=/bin/true\n",
		"x y.service":   "[Service]\nExecStart=/bin/true\n",
	})
	file := func(name string) string { return filepath.Join(dir, name) }
	for _, files := range [][]string{{"x y.service"}, {"new.service", "-dash.service"}} {
		args := []string{"apply"}
		for _, f := range files {
			args = append(args, file(f))
		}
		r := runAgainst(t, socket, args...)
		bad := files[len(files)-1]
		want := "supers: error: apply " + file(bad) + ": invalid service name \"" + strings.TrimSuffix(bad, ".service") + "\": "
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, want) || !strings.HasSuffix(r.stderr, "Run \"supers apply --help\" for usage.\n") {
			t.Errorf("%q: code %d, stdout %q, stderr %q; want exit 2, %q...", files, r.code, r.stdout, r.stderr, want)
		}
	}
	if w := fb.writeLog(); len(w) != 0 {
		t.Errorf("files were sent: %+v", w)
	}
}
