package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/supers-dev/supers/transport"
)

// swappableHandler serves whatever handler was set last, so that each run
// of a test can start from the same state on the same socket.
type swappableHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (s *swappableHandler) set(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h = h
}

func (s *swappableHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	h.ServeHTTP(w, r)
}

// quickFixture is fixture() with what makes the commands parseQuick runs
// also write on stderr: a file superd could not load, a service whose
// file changed, one that fails to start.
func quickFixture() *fakeBackend {
	fb := fixture()
	fb.cfgErrs = []transport.ConfigError{{File: "/etc/super/bad.service", Line: 2, Message: "/etc/super/bad.service:2: [Service] Restrat: unknown key"}}
	fb.execErr["idle"] = `exec: "nope": executable file not found in $PATH`
	web := fb.services["web"]
	web.ConfigChanged = true
	fb.services["web"] = web
	return fb
}

// TestQuickMatchesKong runs each command line through run, which takes
// parseQuick's path when it can, and through kong alone, each against the
// same fresh superd, and wants the same stdout, stderr and exit status.
// quick says whether parseQuick must take the line: the lines it leaves
// to kong are there to show that it does.
func TestQuickMatchesKong(t *testing.T) {
	var socketHandler, remoteHandler swappableHandler
	socket := serveDaemon(t, &socketHandler)
	url, tokenFile := startSwappableRemote(t, &remoteHandler)
	missing := shortTempDir(t) + "/none.sock"
	reset := func() {
		socketHandler.set(transport.NewHandler(quickFixture(), transport.HandlerOptions{Version: "9.9.9"}))
		remoteHandler.set(transport.NewHandler(quickFixture(), transport.HandlerOptions{Version: "9.9.9"}))
	}

	for _, tc := range []struct {
		quick bool
		args  []string
	}{
		// Taken by parseQuick.
		{true, []string{"status"}},
		{true, []string{"list"}},
		{true, []string{"ls"}},
		{true, []string{"status", "web"}},
		{true, []string{"status", "web", "db", "nope", "worker-long-name", "idle"}},
		{true, []string{"status", "idle"}},
		{true, []string{"status", "nope"}},
		{true, []string{"status", "web", "web"}},
		{true, []string{"--json", "status"}},
		{true, []string{"--json", "status", "web"}},
		{true, []string{"--json", "status", "nope"}},
		{true, []string{"status", "--json", "web", "db"}},
		{true, []string{"status", "web", "db", "--json"}},
		{true, []string{"ls", "--json"}},
		{true, []string{"--socket", "SOCK", "status", "web"}},
		{true, []string{"--socket=SOCK", "status"}},
		{true, []string{"status", "web", "--socket", "SOCK"}},
		{true, []string{"--socket", "MISSING", "status", "web"}},
		{true, []string{"--socket", "MISSING", "start", "web", "db"}},
		{true, []string{"--socket", "", "status", "web"}},
		{true, []string{"--socket=", "status", "web"}},
		{true, []string{"--socket", "status", "status", "web"}},
		{true, []string{"--timeout", "5s", "status", "web"}},
		{true, []string{"--timeout=0", "stop", "web"}},
		{true, []string{"--timeout=-5s", "status", "web"}},
		{true, []string{"restart", "--timeout", "1m30s", "web"}},
		{true, []string{"start", "web", "nope", "idle"}},
		{true, []string{"start", "idle"}},
		{true, []string{"--json", "start", "idle", "nope"}},
		{true, []string{"stop", "web", "db"}},
		{true, []string{"restart", "worker-long-name"}},
		{true, []string{"--json", "restart", "web", "db"}},
		{true, []string{"status", "start", "stop"}},
		{true, []string{"start", "status"}},
		{true, []string{"status", ""}},
		{true, []string{"stop", "a/b", ".."}},
		{true, []string{"status", "my svc", "é?#", "x=y"}},
		{true, []string{"--token-file", "/nonexistent", "status"}},
		{true, []string{"--url", "http://127.0.0.1:1", "status"}},
		{true, []string{"--url", "ftp://x", "--token-file", "TOKEN", "status"}},
		{true, []string{"--url", "URL", "--token-file", "/nonexistent/token", "status"}},
		{true, []string{"--url", "URL", "--token-file", "TOKEN", "status"}},
		{true, []string{"--url=URL", "--token-file=TOKEN", "--json", "restart", "web", "nope"}},
		{true, []string{"--url", "URL", "--token-file", "TOKEN", "stop", "db"}},

		// Left to kong.
		{false, nil},
		{false, []string{""}},
		{false, []string{"", "status"}},
		{false, []string{"frobnicate"}},
		{false, []string{"STATUS"}},
		{false, []string{"version"}},
		{false, []string{"--help"}},
		{false, []string{"-h"}},
		{false, []string{"status", "--help"}},
		{false, []string{"status", "-h"}},
		{false, []string{"start"}},
		{false, []string{"--json", "stop"}},
		{false, []string{"list", "web"}},
		{false, []string{"ls", "web"}},
		{false, []string{"status", "web", "--json", "db"}},
		{false, []string{"status", "--", "-x"}},
		{false, []string{"status", "web", "--", "db"}},
		{false, []string{"status", "-"}},
		{false, []string{"status", "-x"}},
		{false, []string{"--json=true", "status"}},
		{false, []string{"--json=false", "status"}},
		{false, []string{"--json", "--json", "status"}},
		{false, []string{"--socket", "SOCK", "--socket", "SOCK", "status"}},
		{false, []string{"--socket", "SOCK", "--url", "URL", "status"}},
		{false, []string{"--socket=SOCK", "--url=", "status"}},
		{false, []string{"--timeout", "5", "status"}},
		{false, []string{"--timeout", "soon", "status"}},
		{false, []string{"--timeout", "-5s", "status", "web"}},
		{false, []string{"--timeout"}},
		{false, []string{"status", "--timeout"}},
		{false, []string{"--socket"}},
		{false, []string{"--socket", "--json", "status"}},
		{false, []string{"--bogus", "status"}},
		{false, []string{"stop", "--bogus", "web"}},
		{false, []string{"--Json", "status"}},
		{false, []string{"status", "w\xffb"}},
		{false, []string{"--socket", "SOCK\xff", "status", "web"}},
	} {
		args := make([]string, len(tc.args))
		for i, a := range tc.args {
			a = strings.ReplaceAll(a, "MISSING", missing)
			a = strings.ReplaceAll(a, "SOCK", socket)
			a = strings.ReplaceAll(a, "URL", url)
			args[i] = strings.ReplaceAll(a, "TOKEN", tokenFile)
		}
		q, ok := parseQuick(args)
		if ok != tc.quick {
			t.Errorf("%q: parseQuick took it: %v, want %v", args, ok, tc.quick)
		}
		if ok {
			// The same flags, the same command with the same names.
			g, cmd := kongParse(t, args)
			if g != q.globals || !reflect.DeepEqual(cmd, q.cmd) {
				t.Errorf("%q: parseQuick read %+v %#v, kong %+v %#v", args, q.globals, q.cmd, g, cmd)
			}
		}
		env := map[string]string{"SUPERS_SOCKET": socket}
		getenv := func(k string) string { return env[k] }

		reset()
		var quickOut, quickErr bytes.Buffer
		quickCode := run(t.Context(), args, nil, &quickOut, &quickErr, getenv)
		reset()
		var kongOut, kongErr bytes.Buffer
		kongCode := runKong(t.Context(), args, nil, &kongOut, &kongErr, getenv)

		if quickCode != kongCode || quickOut.String() != kongOut.String() || quickErr.String() != kongErr.String() {
			t.Errorf("%q:\nrun:  code %d, stdout %q, stderr %q\nkong: code %d, stdout %q, stderr %q",
				args, quickCode, quickOut.String(), quickErr.String(), kongCode, kongOut.String(), kongErr.String())
		}
	}
}

// kongParse parses args with kong and returns the global flags and the
// command selected.
func kongParse(t *testing.T, args []string) (globals, any) {
	t.Helper()
	var grammar cli
	parser, err := newParser(&grammar, io.Discard, io.Discard, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		t.Fatalf("%q: kong: %v", args, err)
	}
	return parsedGlobals(&grammar, kctx), kctx.Selected().Target.Addr().Interface()
}

// startSwappableRemote serves h as superd's TCP API and returns its URL
// and a token file.
func startSwappableRemote(t *testing.T, h http.Handler) (url, tokenFile string) {
	t.Helper()
	opts := transport.TCPOptions{Addr: "127.0.0.1:0", Token: testToken}
	ln, err := transport.ListenTCP(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := transport.NewServer(transport.TCPHandler(h, opts))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), writeToken(t, testToken)
}

// TestQuickGrammar checks what parseQuick assumes about the grammar
// against kong's model of it, so that a change to the grammar that
// parseQuick would get wrong fails here: the global flags, their kinds,
// defaults and groups, and the commands parseQuick runs, with their
// aliases, arguments, flags and hooks.
func TestQuickGrammar(t *testing.T) {
	var grammar cli
	parser, err := newParser(&grammar, io.Discard, io.Discard, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	root := parser.Model.Node
	if root.DefaultCmd != nil || root.Passthrough || len(root.Positional) != 0 {
		t.Errorf("root: default command %v, passthrough %v, positional %d", root.DefaultCmd, root.Passthrough, len(root.Positional))
	}
	checkNoHooks(t, reflect.TypeFor[*cli]())
	checkNoHooks(t, reflect.TypeFor[*globals]())

	// The global flags: help, which parseQuick leaves to kong, and those of
	// globals, which it knows.
	var known quickFlag
	for _, f := range root.Flags {
		if f.Name == "help" {
			continue
		}
		bit := quickFlagNamed("--" + f.Name)
		if bit == 0 {
			t.Errorf("--%s: a global flag parseQuick does not know", f.Name)
			continue
		}
		known |= bit
		if f.Short != 0 || len(f.Aliases) != 0 || f.Tag.Negatable != "" || len(f.Envs) != 0 || len(f.And) != 0 || len(f.LastWins) != 0 ||
			f.Enum != "" || f.IsSlice() || f.IsCounter() || f.Required {
			t.Errorf("--%s: short %q, aliases %q, negatable %q, env %q, and %q, lastwins %q, enum %q, slice %v, counter %v, required %v: parseQuick assumes none",
				f.Name, f.Short, f.Aliases, f.Tag.Negatable, f.Envs, f.And, f.LastWins, f.Enum, f.IsSlice(), f.IsCounter(), f.Required)
		}
		if f.IsBool() != (bit == flagJSON) {
			t.Errorf("--%s: bool %v", f.Name, f.IsBool())
		}
		wantXor := []string(nil)
		if bit == flagSocket || bit == flagURL {
			wantXor = []string{"target"}
		}
		if !slices.Equal(f.Xor, wantXor) {
			t.Errorf("--%s: xor %q, want %q", f.Name, f.Xor, wantXor)
		}
		switch {
		case bit == flagTimeout:
			if d, err := time.ParseDuration(f.Default); err != nil || d != defaultTimeout {
				t.Errorf("--timeout: default %q, parseQuick uses %v", f.Default, defaultTimeout)
			}
			if f.Target.Type() != reflect.TypeFor[time.Duration]() {
				t.Errorf("--timeout: type %v", f.Target.Type())
			}
		case f.HasDefault || f.Default != "":
			t.Errorf("--%s: default %q; parseQuick assumes none", f.Name, f.Default)
		case bit != flagJSON && f.Target.Kind() != reflect.String:
			t.Errorf("--%s: type %v", f.Name, f.Target.Type())
		}
	}
	if all := flagSocket | flagURL | flagTokenFile | flagJSON | flagTimeout; known != all {
		t.Errorf("parseQuick knows global flags (%05b) that kong does not (%05b)", all, known)
	}

	// The other commands are left to kong.
	for _, n := range root.Children {
		for _, name := range append([]string{n.Name}, n.Aliases...) {
			switch name {
			case "list", "ls", "status", "start", "stop", "restart":
				continue
			}
			for _, names := range [][]string{nil, {"a"}, {"a", "b"}} {
				if _, ok := quickCommand(name, names); ok {
					t.Errorf("%s %q: taken by parseQuick, which does not check its grammar", name, names)
				}
			}
		}
	}

	// The commands parseQuick runs.
	commands := map[string]*kong.Node{}
	for _, n := range root.Children {
		commands[n.Name] = n
		for _, alias := range n.Aliases {
			commands[alias] = n
		}
	}
	for _, tc := range []struct {
		name     string
		required bool // parseQuick wants a name (kong, which also takes --all, does not)
		args     bool // the command takes names
		all      bool // the command has --all, which parseQuick leaves to kong
	}{
		{"list", false, false, false},
		{"ls", false, false, false},
		{"status", false, true, true},
		{"start", true, true, true},
		{"stop", true, true, true},
		{"restart", true, true, true},
	} {
		n := commands[tc.name]
		if n == nil {
			t.Errorf("%s: not a command", tc.name)
			continue
		}
		flags := n.Flags
		if tc.all {
			// --all: parseQuick does not know it, so a line with it goes
			// to kong; without it, kong leaves the field false, as
			// parseQuick does, unless the flag has a default, a variable
			// or a short name that parseQuick would miss.
			if len(flags) == 0 || flags[0].Name != "all" || flags[0].Target.Kind() != reflect.Bool ||
				flags[0].HasDefault || len(flags[0].Envs) != 0 || flags[0].Short != 0 {
				t.Errorf("%s: want a plain --all flag first, got %d flags", tc.name, len(flags))
			} else {
				flags = flags[1:]
			}
		}
		// Other flags (start's --min-uptime): the same holds. parseQuick
		// does not know them either, and a flag without a default, a
		// variable or a short name is left zero by kong when not given.
		for _, f := range flags {
			if f.HasDefault || len(f.Envs) != 0 || f.Short != 0 || len(f.Aliases) != 0 || f.Tag.Negatable != "" {
				t.Errorf("%s --%s: default %v, env %q, short %q, aliases %q, negatable %q: parseQuick assumes none",
					tc.name, f.Name, f.HasDefault, f.Envs, f.Short, f.Aliases, f.Tag.Negatable)
			}
		}
		if len(n.Children) != 0 || n.Passthrough || n.DefaultCmd != nil {
			t.Errorf("%s: %d subcommands, passthrough %v, default command %v: parseQuick assumes none",
				tc.name, len(n.Children), n.Passthrough, n.DefaultCmd)
		}
		checkNoHooks(t, n.Target.Addr().Type())

		// parseQuick runs the command kong would, under each of its
		// names, with the names given.
		names := []string{"a", "b"}
		if !tc.args {
			names = nil
		}
		for _, name := range append([]string{n.Name}, n.Aliases...) {
			cmd, ok := quickCommand(name, names)
			if !ok {
				t.Errorf("%s %q: not taken by parseQuick", name, names)
				continue
			}
			if got, want := reflect.TypeOf(cmd), n.Target.Addr().Type(); got != want {
				t.Errorf("%s: parseQuick runs a %v, kong a %v", name, got, want)
			}
		}
		if _, ok := quickCommand(tc.name, nil); ok == tc.required {
			t.Errorf("%s without names: taken by parseQuick %v", tc.name, ok)
		}
		if _, ok := quickCommand(tc.name, []string{"a"}); ok != tc.args {
			t.Errorf("%s with a name: taken by parseQuick %v", tc.name, ok)
		}
		if !tc.args {
			if len(n.Positional) != 0 {
				t.Errorf("%s: %d positional arguments, want none", tc.name, len(n.Positional))
			}
			continue
		}
		if len(n.Positional) != 1 {
			t.Errorf("%s: %d positional arguments, want 1", tc.name, len(n.Positional))
			continue
		}
		p := n.Positional[0]
		if !p.IsSlice() || p.Target.Type().Elem().Kind() != reflect.String || p.Required ||
			p.Passthrough || p.Enum != "" || p.HasDefault || p.Tag.Type != "" {
			t.Errorf("%s <%s>: slice %v of %v, required %v, passthrough %v, enum %q, default %q, type %q",
				tc.name, p.Name, p.IsSlice(), p.Target.Type(), p.Required, p.Passthrough, p.Enum, p.Default, p.Tag.Type)
		}
	}
}

// checkNoHooks fails if t has a method kong would call while parsing,
// which parseQuick does not.
func checkNoHooks(t *testing.T, typ reflect.Type) {
	t.Helper()
	for _, hook := range []string{"BeforeReset", "BeforeResolve", "BeforeApply", "AfterApply", "Validate", "Decode"} {
		if _, ok := typ.MethodByName(hook); ok {
			t.Errorf("%v has a %s method: parseQuick does not call it", typ, hook)
		}
	}
}

// FuzzQuickParse checks that whatever command line parseQuick takes, kong
// parses too, into the same global flags and the same command. The line
// is split at each space (so "a  b" has an empty argument).
func FuzzQuickParse(f *testing.F) {
	for _, seed := range []string{
		"status", "ls", "list --json", "status a b", "--json status a", "status a b --json", "status a --json b",
		"start", "start a", "stop a b", "restart a", "--socket /s status", "--socket= status", "--socket  status a",
		"--url http://x:1 --token-file t status", "--socket /s --url u status", "--timeout 5s status", "--timeout=-1s stop a",
		"--timeout 5 status", "--timeout -5s status", "status -- a", "status - a", "--json=true status", "--json --json status",
		"status start stop", "--socket status status", "-h", "status --help", "status \xff", "STATUS", "ls a", " status",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, " ")
		q, ok := parseQuick(args)
		if !ok {
			return
		}
		g, cmd := kongParse(t, args)
		if g != q.globals || !reflect.DeepEqual(cmd, q.cmd) {
			t.Fatalf("%q: parseQuick read %+v %#v, kong %+v %#v", args, q.globals, q.cmd, g, cmd)
		}
	})
}
