package main

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// completeWith runs supers as the shell does for tab completion and returns
// the sorted candidates.
func completeWith(t *testing.T, socket, line string) []string {
	t.Helper()
	env := map[string]string{
		"SUPERS_SOCKET": socket, "COMP_LINE": line, "COMP_POINT": strconv.Itoa(len(line)),
		// The default 200 ms is too short for a loaded machine running -race.
		"SUPERS_COMPLETION_TIMEOUT": "20s",
	}
	// The shell passes the program name, the current and the previous word;
	// supers must ignore them in favour of COMP_LINE.
	r := runCLI(t, env, "supers", "x", "y")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%q: code %d, stderr %q", line, r.code, r.stderr)
	}
	if strings.HasPrefix(r.stdout, "\n") || strings.Contains(r.stdout, "\n\n") {
		t.Errorf("%q: an empty candidate in %q", line, r.stdout)
	}
	got := strings.Fields(r.stdout)
	sort.Strings(got)
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Errorf("%q: %q offered twice", line, got[i])
		}
	}
	return got
}

func TestCompletion(t *testing.T) {
	socket := startDaemon(t, fixture())
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"supers st", []string{"start", "status", "stop"}},
		{"supers --json re", []string{"reload", "restart"}},
		{"supers c", []string{"cat", "check", "completion"}},
		{"supers check --v", []string{"--verbose"}},
		{"supers --ti", []string{"--timeout"}},
		{"supers --t", []string{"--timeout", "--token-file"}},
		{"supers start ", []string{"db", "idle", "web", "worker-long-name"}},
		{"supers start w", []string{"web", "worker-long-name"}},
		{"supers restart web ", []string{"db", "idle", "worker-long-name"}},
		{"supers status db --json i", []string{"idle"}},
		{"supers usage w", []string{"web", "worker-long-name"}},
		{"supers completion ", []string{"bash", "fish", "zsh"}},
		{"supers list ", nil},
	} {
		if got := completeWith(t, socket, tc.line); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestCompletionUsesSocketFlag(t *testing.T) {
	socket := startDaemon(t, fixture())
	missing := filepath.Join(shortTempDir(t), "none.sock")
	for _, line := range []string{
		"supers --socket " + socket + " stop i",
		"supers --socket=" + socket + " stop i",
	} {
		if got := completeWith(t, missing, line); !slices.Equal(got, []string{"idle"}) {
			t.Errorf("%q: %q", line, got)
		}
	}
}

func TestCompletionWithoutDaemon(t *testing.T) {
	missing := filepath.Join(shortTempDir(t), "none.sock")
	if got := completeWith(t, missing, "supers start "); len(got) != 0 {
		t.Errorf("got %q", got)
	}
	if got := completeWith(t, missing, "supers sto"); !slices.Equal(got, []string{"stop"}) {
		t.Errorf("got %q", got)
	}
}

func TestCompletionCursorInsideLine(t *testing.T) {
	socket := startDaemon(t, fixture())
	line := "supers sta web"
	env := map[string]string{"SUPERS_SOCKET": socket, "COMP_LINE": line, "COMP_POINT": "10", "SUPERS_COMPLETION_TIMEOUT": "20s"}
	r := runCLI(t, env)
	got := strings.Fields(r.stdout)
	sort.Strings(got)
	if !slices.Equal(got, []string{"start", "status"}) {
		t.Errorf("got %q", got)
	}
}

func TestCompletionTimeout(t *testing.T) {
	fb := fixture()
	fb.block = true
	socket := startDaemon(t, fb)
	start := time.Now()
	r := runCLI(t, map[string]string{"SUPERS_SOCKET": socket, "COMP_LINE": "supers stop "})
	if r.code != 0 || r.stdout != "" {
		t.Errorf("code %d, stdout %q", r.code, r.stdout)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("completion waited %v for a stuck superd", elapsed)
	}
}

func TestCompletionScript(t *testing.T) {
	r := runCLI(t, nil, "completion", "-c", "bash")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	script := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(script, "complete -o default -o bashdefault -C /") || !strings.HasSuffix(script, " supers") {
		t.Errorf("bash script %q", script)
	}

	r = runCLI(t, nil, "completion", "bash")
	if r.code != 0 || !strings.Contains(r.stdout, "source <(supers completion -c bash)") {
		t.Errorf("instructions: code %d, %q", r.code, r.stdout)
	}
	// Without an argument the shell comes from $SHELL.
	r = runCLI(t, map[string]string{"SHELL": "/usr/bin/fish"}, "completion")
	if r.code != 0 || !strings.Contains(r.stdout, "supers completion -c fish | source") {
		t.Errorf("from $SHELL: code %d, %q", r.code, r.stdout)
	}
	r = runCLI(t, map[string]string{"SHELL": "/bin/tcsh"}, "completion")
	if r.code != exitUsage || !strings.Contains(r.stderr, "supers completion bash|zsh|fish") {
		t.Errorf("unknown $SHELL: code %d, %q", r.code, r.stderr)
	}

	for _, shell := range []string{"zsh", "fish"} {
		r := runCLI(t, nil, "completion", "-c", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "supers") {
			t.Errorf("%s: code %d, %q", shell, r.code, r.stdout)
		}
	}
}

// TestCompletionScriptText checks the text of the completion command, the
// same as kong-completion's, whose command it replaced.
func TestCompletionScriptText(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if bin, err = filepath.Abs(bin); err != nil {
		t.Fatal(err)
	}
	instructions := func(shell, command, file string) string {
		return "Execute the following command to activate tab completion for supers in " + shell + ":\n\n" +
			"    " + command + "\n\n" +
			"Note that this only takes effect for your current shell session. For permanent activation " +
			"(beyond the current shell session), you can e.g. paste this command into your " + shell +
			"’s init file, which usually is: " + file + "\n"
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"completion", "-c", "bash"}, "complete -o default -o bashdefault -C " + bin + " supers\n"},
		{[]string{"completion", "--code", "zsh"}, "autoload -U +X bashcompinit && bashcompinit\ncomplete -o default -o bashdefault -C " + bin + " supers\n"},
		{[]string{"completion", "-c", "fish"}, "function __complete_supers\n" +
			"    set -lx COMP_LINE (commandline -cp)\n" +
			"    test -z (commandline -ct)\n" +
			"    and set COMP_LINE \"$COMP_LINE \"\n" +
			"    " + bin + "\n" +
			"end\n" +
			"complete -f -c supers -a \"(__complete_supers)\"\n"},
		{[]string{"completion", "bash"}, instructions("bash", "source <(supers completion -c bash)", "~/.bashrc")},
		{[]string{"completion", "zsh"}, instructions("zsh", "source <(supers completion -c zsh)", "~/.zshrc")},
		{[]string{"completion", "fish"}, instructions("fish", "supers completion -c fish | source", "~/.config/fish/config.fish")},
	} {
		r := runCLI(t, nil, tc.args...)
		if r.code != 0 || r.stderr != "" || r.stdout != tc.want {
			t.Errorf("%q: code %d, stderr %q, stdout:\n%q\nwant:\n%q", tc.args, r.code, r.stderr, r.stdout, tc.want)
		}
	}
}

func TestParseCompLine(t *testing.T) {
	for _, tc := range []struct {
		line, point         string
		all, completed      []string
		last, lastCompleted string
	}{
		{"", "", nil, nil, "", ""},
		{"supers", "", []string{}, []string{}, "supers", ""},
		{"supers ", "", []string{""}, []string{}, "", ""},
		{"supers start w", "", []string{"start", "w"}, []string{"start"}, "w", "start"},
		{"supers start w", "12", []string{"start"}, []string{}, "start", ""},
		{"supers --socket=/x", "", []string{"--socket", "/x"}, []string{"--socket"}, "/x", "--socket"},
		{"supers a", "junk", []string{"a"}, []string{}, "a", ""},
	} {
		a := parseCompLine(tc.line, tc.point)
		if !slices.Equal(a.All, tc.all) || !slices.Equal(a.Completed, tc.completed) || a.Last != tc.last || a.LastCompleted != tc.lastCompleted {
			t.Errorf("%q@%q: %+v", tc.line, tc.point, a)
		}
	}
}

func TestCompletionCheckFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"web.service", "worker.service", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(shortTempDir(t), "none.sock")
	got := completeWith(t, missing, "supers check "+dir+"/w")
	want := []string{filepath.Join(dir, "web.service"), filepath.Join(dir, "worker.service")}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// Every position, not only the first.
	got = completeWith(t, missing, "supers check -v "+want[0]+" "+dir+"/n")
	if len(got) != 0 {
		t.Errorf("non-service file offered: %q", got)
	}
	got = completeWith(t, missing, "supers check "+want[0]+" "+dir+"/wo")
	if !slices.Equal(got, want[1:]) {
		t.Errorf("second file: got %q, want %q", got, want[1:])
	}
}

func TestCompletionNewCommands(t *testing.T) {
	socket := startDaemon(t, fixture())
	dir := t.TempDir()
	for _, name := range []string{"web.service", "notes.txt", "superd.conf", "superd.conf.new"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"supers lo", []string{"logs"}},
		{"supers logs w", []string{"web", "worker-long-name"}},
		{"supers logs -f --stderr i", []string{"idle"}},
		{"supers logs --", []string{"--both", "--follow", "--help", "--json", "--lines", "--socket", "--stderr", "--timeout", "--token-file", "--url"}},
		{"supers cat d", []string{"db"}},
		{"supers edit i", []string{"idle"}},
		{"supers rm web ", []string{"db", "idle", "worker-long-name"}},
		{"supers signal w", []string{"web", "worker-long-name"}},
		{"supers signal web ", commonSignals()},
		{"supers --timeout 5s signal --json web U", []string{"USR1", "USR2"}},
		{"supers signal web HUP ", nil},
		// kill's forms: the signal as a flag, then the name.
		{"supers signal -s HUP w", []string{"web", "worker-long-name"}},
		{"supers signal -s U", []string{"USR1", "USR2"}},
		{"supers signal --signal ", commonSignals()},
		{"supers signal -s HUP web ", nil},
		{"supers signal -HUP web ", nil},
		{"supers signal -sHUP web ", nil},
		{"supers signal --signal=HUP web ", nil},
		{"supers signal -9 w", []string{"web", "worker-long-name"}},
		{"supers signal web -sC", []string{"-sCONT"}},
		{"supers signal -sU", []string{"-sUSR1", "-sUSR2"}},
		// Each flag once (-s and --signal were offered twice).
		{"supers signal web -", []string{"--help", "--json", "--signal", "--socket", "--timeout", "--token-file", "--url", "-h", "-s"}},
		{"supers apply " + dir + "/w", []string{filepath.Join(dir, "web.service")}},
		{"supers apply " + dir + "/s", nil},
		// check takes superd.conf, and candidates such as superd.conf.new.
		{"supers check " + dir + "/s", []string{filepath.Join(dir, "superd.conf"), filepath.Join(dir, "superd.conf.new")}},
		{"supers check " + dir + "/", []string{dir + "/", filepath.Join(dir, "superd.conf"), filepath.Join(dir, "superd.conf.new"), filepath.Join(dir, "web.service")}},
	} {
		want := slices.Clone(tc.want)
		sort.Strings(want)
		if got := completeWith(t, socket, tc.line); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", tc.line, got, want)
		}
	}
}

func TestCompletionOverHTTP(t *testing.T) {
	url, tokenFile := startRemote(t, fixture())
	missing := filepath.Join(shortTempDir(t), "none.sock")
	if got := completeWith(t, missing, "supers --url "+url+" --token-file="+tokenFile+" stop i"); !slices.Equal(got, []string{"idle"}) {
		t.Errorf("got %q", got)
	}
	// Without a usable token: no names, no error.
	if got := completeWith(t, missing, "supers --url "+url+" stop i"); len(got) != 0 {
		t.Errorf("without a token: got %q", got)
	}
}

// bash splits the word being completed at '@' (one of COMP_WORDBREAKS)
// and passes supers only the part from the '@' on, which the candidates
// replace: "getty@t" must complete to "@tty1", or the line becomes
// "getty@getty@tty1". zsh and fish pass the whole word.
func TestCompletionAfterWordBreak(t *testing.T) {
	fb := fixture()
	for _, name := range []string{"getty@tty1", "getty@tty2"} {
		fb.services[name] = transport.ServiceStatus{Name: name, State: transport.StateRunning, PID: 7}
	}
	socket := startDaemon(t, fb)
	for _, tc := range []struct {
		line, word string
		want       []string
	}{
		{"supers start getty@", "@", []string{"@tty1", "@tty2"}},
		{"supers start getty@t", "@t", []string{"@tty1", "@tty2"}},
		{"supers start db getty@tty2 getty@", "@", []string{"@tty1"}},
		{"supers start getty@", "getty@", []string{"getty@tty1", "getty@tty2"}},
		{"supers start get", "get", []string{"getty@tty1", "getty@tty2"}},
	} {
		env := map[string]string{
			"SUPERS_SOCKET": socket, "COMP_LINE": tc.line, "COMP_POINT": strconv.Itoa(len(tc.line)),
			"SUPERS_COMPLETION_TIMEOUT": "20s",
		}
		r := runCLI(t, env, "supers", tc.word, "start")
		got := strings.Fields(r.stdout)
		sort.Strings(got)
		if r.code != 0 || !slices.Equal(got, tc.want) {
			t.Errorf("%q (word %q): code %d, %q, want %q; stderr %q", tc.line, tc.word, r.code, got, tc.want, r.stderr)
		}
	}
}
