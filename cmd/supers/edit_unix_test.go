//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kballard/go-shellquote"

	"github.com/supers-dev/supers/config"
)

// editorScript is a scripted editor: a shell script that, on its Nth run,
// records the file it is given (seen(N)) and its arguments, then runs the
// Nth step, a shell snippet where $f is the file and $dir the script's
// directory.
type editorScript struct {
	dir string
	env string // the value for $EDITOR
}

// newEditor writes a scripted editor running steps, in a directory whose
// name needs quoting, and invoked with an extra argument, so that $EDITOR
// must be split as sh would.
func newEditor(t *testing.T, steps ...string) *editorScript {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "my editor")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	script := `#!/bin/sh
dir=` + shellquote.Join(dir) + `
for f; do :; done
n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$dir/count"
cp "$f" "$dir/seen$n"
printf '%s\n' "$@" > "$dir/args$n"
if [ -f "$dir/step$n" ]; then . "$dir/step$n"; fi
`
	path := filepath.Join(dir, "edit.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, step := range steps {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("step%d", i+1)), []byte(step+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The temporary directories of edit go to TMPDIR: keep them in the
	// test's, where the test can look and which is removed with it.
	t.Setenv("TMPDIR", t.TempDir())
	return &editorScript{dir: dir, env: shellquote.Join(path, "--wait")}
}

// saves is the step of an editor saving text.
func saves(text string) string { return "printf '%s' " + shellquote.Join(text) + ` > "$f"` }

// runs returns how many times the editor ran.
func (e *editorScript) runs(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, "count"))
	if os.IsNotExist(err) {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// seen returns the content of the file the editor was given on its nth
// run, and the file's path.
func (e *editorScript) seen(t *testing.T, n int) (text, path string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, fmt.Sprintf("seen%d", n)))
	if err != nil {
		t.Fatal(err)
	}
	args, err := os.ReadFile(filepath.Join(e.dir, fmt.Sprintf("args%d", n)))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(args), "\n"), "\n")
	if len(lines) != 2 || lines[0] != "--wait" {
		t.Fatalf("editor arguments %q", lines)
	}
	return string(b), lines[1]
}

// runEdit runs "supers edit name" against socket with the editor in
// $EDITOR.
func runEdit(t *testing.T, socket string, e *editorScript, name string) result {
	t.Helper()
	return runCLI(t, map[string]string{"SUPERS_SOCKET": socket, "EDITOR": e.env}, "edit", name)
}

// assertRemoved checks that the temporary directory of the file edit gave
// the editor is gone.
func assertRemoved(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s left behind (%v)", filepath.Dir(path), err)
	}
}

// keptPath returns the path edit says it kept the file in.
func keptPath(t *testing.T, stderr string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^supers: your version of \S+ is kept in (.+)$`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no kept file in stderr %q", stderr)
	}
	return m[1]
}

func TestEditSaves(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	edited := strings.Replace(webDef, "8080", "9090", 1)
	e := newEditor(t, saves(edited))
	r := runEdit(t, socket, e, "web")
	if r.code != exitOK || r.stdout != "web: updated\n" || r.stderr != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got, _ := fb.def("web"); got != edited {
		t.Errorf("superd has %q", got)
	}
	// The write was conditional on the version the editor showed.
	if w := fb.writeLog(); len(w) != 1 || w[0].IfMatch != config.ContentHash([]byte(webDef)) {
		t.Errorf("writes %+v", w)
	}
	text, path := e.seen(t, 1)
	if text != webDef || filepath.Base(path) != "web.service" {
		t.Errorf("editor got %s with %q", path, text)
	}
	assertRemoved(t, path)
}

func TestEditPrivateFile(t *testing.T) {
	socket := startDaemon(t, withDefs())
	// The editor records the modes while the file exists.
	e := newEditor(t, `stat -c '%a' "$(dirname "$f")" "$f" > "$dir/modes" 2>/dev/null || stat -f '%Lp' "$(dirname "$f")" "$f" > "$dir/modes"`)
	if r := runEdit(t, socket, e, "web"); r.code != exitOK || r.stdout != "edit cancelled, no changes made\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	modes, err := os.ReadFile(filepath.Join(e.dir, "modes"))
	if err != nil || strings.Fields(string(modes))[0] != "700" || strings.Fields(string(modes))[1] != "600" {
		t.Errorf("modes %q (%v), want 700 600", modes, err)
	}
}

func TestEditUnchangedCancels(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	e := newEditor(t, "touch \"$f\"")
	r := runEdit(t, socket, e, "web")
	if r.code != exitOK || r.stdout != "edit cancelled, no changes made\n" || r.stderr != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if w := fb.writeLog(); len(w) != 0 {
		t.Errorf("writes %+v", w)
	}
	_, path := e.seen(t, 1)
	assertRemoved(t, path)
}

// annotationLine matches a problem edit lists at the top of the file:
// file name, line, message.
var annotationLine = regexp.MustCompile(`^# supers-edit:\s+(web\.service):(\d+): (.*)$`)

func TestEditInvalidThenFixed(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	invalid := webDef + "Restart=sometimes\n"
	fixed := `sed 's/Restart=sometimes/Restart=always/' "$f" > "$f.new" && cat "$f.new" > "$f" && rm "$f.new"`
	e := newEditor(t, saves(invalid), fixed)
	r := runEdit(t, socket, e, "web")
	if r.code != exitOK || r.stdout != "web: updated\n" || r.stderr != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// The second time, the editor showed the problems on top of the
	// invalid text, each pointing at its line in the file shown.
	shown, path := e.seen(t, 2)
	if !strings.HasSuffix(shown, "\n"+invalid) || !strings.HasPrefix(shown, editMarker+" The definition was not saved") {
		t.Fatalf("second run showed:\n%s", shown)
	}
	lines := strings.Split(shown, "\n")
	problems := 0
	for _, l := range lines {
		m := annotationLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		problems++
		n, _ := strconv.Atoi(m[2])
		if n < 1 || n > len(lines) || lines[n-1] != "Restart=sometimes" || !strings.HasPrefix(m[3], "[Service] Restart: invalid value") {
			t.Errorf("problem %q points at line %d: %q", l, n, lines[max(0, min(n, len(lines))-1)])
		}
	}
	if problems != 1 {
		t.Errorf("%d problems listed:\n%s", problems, shown)
	}
	// What was saved is the fixed text, without the added lines.
	want := webDef + "Restart=always\n"
	if got, _ := fb.def("web"); got != want {
		t.Errorf("superd has %q, want %q", got, want)
	}
	if w := fb.writeLog(); len(w) != 2 || w[1].IfMatch != config.ContentHash([]byte(webDef)) {
		t.Errorf("writes %+v", w)
	}
	assertRemoved(t, path)
}

func TestEditInvalidThenUnchangedGivesUp(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	e := newEditor(t, saves(badDef), ":")
	r := runEdit(t, socket, e, "web")
	if r.code != exitError || r.stdout != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if e.runs(t) != 2 || len(fb.writeLog()) != 1 {
		t.Errorf("%d editor runs, writes %+v", e.runs(t), fb.writeLog())
	}
	if got, _ := fb.def("web"); got != webDef {
		t.Errorf("superd has %q", got)
	}
	// The file is kept as the editor last showed it: problems and all.
	kept := keptPath(t, r.stderr)
	shown, path := e.seen(t, 2)
	if kept != path {
		t.Errorf("kept %s, edited %s", kept, path)
	}
	b, err := os.ReadFile(kept)
	if err != nil || string(b) != shown || !strings.HasSuffix(shown, "\n"+badDef) {
		t.Errorf("kept file %q (%v)", b, err)
	}
	// The problems are listed again, pointing into the kept file.
	problems := strings.Count(shown, "\n") - strings.Count(badDef, "\n")
	want := "supers: edit web: invalid definition, not applied:\n" +
		"  " + kept + ":" + strconv.Itoa(problems+3) + ": [Service] Restart: invalid value \"sometimes\": expected no, on-success, on-failure, on-abnormal or always\n" +
		"  " + kept + ":" + strconv.Itoa(problems+4) + ": [Service] Restrat: unknown key (did you mean Restart?)\n" +
		"supers: your version of web is kept in " + kept + "\n"
	if r.stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
	}
}

func TestEditorFails(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)

	// Nothing changed: nothing to keep.
	e := newEditor(t, "exit 3")
	r := runEdit(t, socket, e, "web")
	if r.code != exitError || r.stderr != "supers: edit web: the editor failed (exit status 3): nothing saved\n" {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	_, path := e.seen(t, 1)
	assertRemoved(t, path)

	// Changes made: the file is kept.
	e = newEditor(t, saves("changed\n")+"; exit 1")
	r = runEdit(t, socket, e, "web")
	if r.code != exitError || !strings.HasPrefix(r.stderr, "supers: edit web: the editor failed (exit status 1): nothing saved\n") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	if b, err := os.ReadFile(keptPath(t, r.stderr)); err != nil || string(b) != "changed\n" {
		t.Errorf("kept %q (%v)", b, err)
	}

	// No editor at all.
	r = runCLI(t, map[string]string{"SUPERS_SOCKET": socket, "VISUAL": filepath.Join(t.TempDir(), "none"), "EDITOR": e.env}, "edit", "web")
	if r.code != exitError || !strings.Contains(r.stderr, "the editor failed") || !strings.Contains(r.stderr, "no such file or directory") {
		t.Errorf("missing editor: code %d, stderr %q", r.code, r.stderr)
	}
	if len(fb.writeLog()) != 0 {
		t.Errorf("writes %+v", fb.writeLog())
	}
}

func TestEditConflict(t *testing.T) {
	fb := withDefs()
	other := webDef + "# changed by someone else\n"
	fb.beforeWrite = func(f *fakeBackend, name string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.defs[name] = other
	}
	socket := startDaemon(t, fb)
	mine := strings.Replace(webDef, "8080", "9090", 1)
	e := newEditor(t, saves(mine))
	r := runEdit(t, socket, e, "web")
	if r.code != exitError || r.stdout != "" ||
		!strings.HasPrefix(r.stderr, "supers: edit web: the definition was changed in superd while you edited it: nothing saved") {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got, _ := fb.def("web"); got != other {
		t.Errorf("superd has %q", got)
	}
	if b, err := os.ReadFile(keptPath(t, r.stderr)); err != nil || string(b) != mine {
		t.Errorf("kept %q (%v)", b, err)
	}
}

func TestEditErrors(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	e := newEditor(t)

	// A service without a file: nothing to edit (apply creates one).
	r := runEdit(t, socket, e, "idle")
	if r.code != exitUnknown || r.stderr != "supers: unknown service \"idle\" (no file /etc/super/idle.service)\n" {
		t.Errorf("no file: code %d, stderr %q", r.code, r.stderr)
	}
	r = runEdit(t, socket, e, "../web")
	if r.code != exitUsage || !strings.Contains(r.stderr, `invalid service name "../web"`) {
		t.Errorf("bad name: code %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, map[string]string{"SUPERS_SOCKET": socket, "EDITOR": `vi "unterminated`}, "edit", "web")
	if r.code != exitError || !strings.Contains(r.stderr, "$EDITOR: Unterminated double-quoted string") {
		t.Errorf("bad $EDITOR: code %d, stderr %q", r.code, r.stderr)
	}
	if n := e.runs(t); n != 0 {
		t.Errorf("the editor ran %d times", n)
	}
	if len(fb.writeLog()) != 0 {
		t.Errorf("writes %+v", fb.writeLog())
	}
}

func TestEditPrefersVisual(t *testing.T) {
	socket := startDaemon(t, withDefs())
	visual := newEditor(t)
	r := runCLI(t, map[string]string{"SUPERS_SOCKET": socket, "VISUAL": visual.env, "EDITOR": "false"}, "edit", "web")
	if r.code != exitOK || visual.runs(t) != 1 {
		t.Errorf("code %d, stderr %q, %d runs", r.code, r.stderr, visual.runs(t))
	}
}

// TestEditorTerminal checks that the editor gets supers' stdin and stdout.
func TestEditorTerminal(t *testing.T) {
	socket := startDaemon(t, withDefs())
	e := newEditor(t, `read line; echo "editor read: $line"`)
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"edit", "web"}, bufio.NewReader(strings.NewReader("typed\n")), &stdout, &stderr,
		func(k string) string { return map[string]string{"SUPERS_SOCKET": socket, "EDITOR": e.env}[k] })
	if code != exitOK || stdout.String() != "editor read: typed\nedit cancelled, no changes made\n" {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// Saving the invalid text again with only the added lines changed (here
// the editor deletes them, every time it runs) gives up as saving it
// unchanged does: superd would refuse the same text again, and the editor
// would be run for ever.
func TestEditInvalidThenOnlyAnnotationChangedGivesUp(t *testing.T) {
	fb := withDefs()
	socket := startDaemon(t, fb)
	dropNotes := `grep -v '^` + editMarker + `' "$f" > "$f.new"; cat "$f.new" > "$f"; rm "$f.new"`
	e := newEditor(t, saves(badDef), dropNotes, dropNotes, dropNotes, dropNotes)
	r := runEdit(t, socket, e, "web")
	if r.code != exitError || r.stdout != "" || !strings.Contains(r.stderr, "supers: edit web: invalid definition, not applied:\n") {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if e.runs(t) != 2 || len(fb.writeLog()) != 1 {
		t.Errorf("%d editor runs, writes %+v", e.runs(t), fb.writeLog())
	}
	if got, _ := fb.def("web"); got != webDef {
		t.Errorf("superd has %q", got)
	}
	// The problems point into the kept file, which has no added lines.
	kept := keptPath(t, r.stderr)
	if b, err := os.ReadFile(kept); err != nil || string(b) != badDef {
		t.Errorf("kept file %q (%v)", b, err)
	}
	if want := "  " + kept + ":3: [Service] Restart: invalid value"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}
