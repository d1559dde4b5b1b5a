package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// testToken is the bearer token of the remote superd in tests.
const testToken = "0123456789abcdef0123456789abcdef"

// startRemote serves b on superd's HTTP API at a loopback address and
// returns its URL and a file holding its token.
func startRemote(t *testing.T, b transport.Backend) (url, tokenFile string) {
	t.Helper()
	return startSwappableRemote(t, transport.NewHandler(b, transport.HandlerOptions{Version: "9.9.9"}))
}

// writeToken writes token to a new private file and returns its path.
func writeToken(t *testing.T, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// remoteFixture is the state both superds of TestRemoteWorksLikeSocket
// start with.
func remoteFixture() *fakeBackend {
	fb := withLogs()
	fb.defs["web"] = webDef
	fb.defs["db"] = "[Service]\nExecStart=/usr/bin/postgres\n"
	fb.cfgErrs = []transport.ConfigError{{File: "/etc/super/bad.service", Line: 3, Message: badFile}}
	fb.check = fb.cfgErrs
	fb.reload = transport.ReloadResult{Changed: []string{"web"}, Unchanged: []string{"db"}}
	fb.history = eventFixture()
	return fb
}

// TestRemoteWorksLikeSocket runs the same commands against two superds in
// the same state, one over the socket and one over the HTTP API, and
// expects the same results and the same requests.
func TestRemoteWorksLikeSocket(t *testing.T) {
	local, remote := remoteFixture(), remoteFixture()
	socket := startDaemon(t, local)
	url, tokenFile := startRemote(t, remote)
	dir := writeFiles(t, map[string]string{"api.service": "[Service]\nExecStart=/usr/bin/api\n", "bad.service": badDef})

	for _, args := range [][]string{
		{"list"}, {"status", "web", "nope"}, {"--json", "status", "idle"},
		{"start", "idle", "nope"}, {"stop", "web"}, {"restart", "db"},
		{"signal", "db", "hup"}, {"signal", "idle", "HUP"}, {"signal", "db", "bogus"},
		{"logs", "web"}, {"logs", "--stderr", "-n", "all", "web"}, {"logs", "nope"},
		{"cat", "web"}, {"--json", "cat", "db"}, {"cat", "nope"},
		{"apply", filepath.Join(dir, "api.service"), filepath.Join(dir, "bad.service")},
		{"rm", "db", "nope"}, {"reload"}, {"check"}, {"events", "--service", "web"}, {"version"},
	} {
		want := runAgainst(t, socket, args...)
		got := runCLI(t, nil, append([]string{"--url", url, "--token-file", tokenFile}, args...)...)
		if got != want {
			t.Errorf("%q over HTTP: code %d\nstdout %q\nstderr %q\nover the socket: code %d\nstdout %q\nstderr %q",
				args, got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
		}
	}
	// The same requests; those of one command on several names come at
	// once, in any order.
	if l, r := local.callLog(), remote.callLog(); !slices.Equal(slices.Sorted(slices.Values(l)), slices.Sorted(slices.Values(r))) {
		t.Errorf("requests over HTTP %q\nover the socket %q", r, l)
	}
}

func TestRemoteFromEnvironment(t *testing.T) {
	url, tokenFile := startRemote(t, fixture())
	env := map[string]string{"SUPERS_URL": url, "SUPERS_TOKEN_FILE": tokenFile, "SUPERS_SOCKET": "/nonexistent.sock"}
	r := runCLI(t, env, "status", "web")
	if r.code != exitOK || !strings.Contains(r.stdout, "web ") {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Flags beat the environment.
	other := startDaemon(t, newFakeBackend(transport.ServiceStatus{Name: "local", State: transport.StateRunning}))
	r = runCLI(t, env, "--socket", other, "status", "local")
	if r.code != exitOK || !strings.Contains(r.stdout, "local ") {
		t.Errorf("--socket: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, map[string]string{"SUPERS_URL": "http://127.0.0.1:1", "SUPERS_TOKEN_FILE": "/nonexistent"},
		"--url", url, "--token-file", tokenFile, "status", "web")
	if r.code != exitOK {
		t.Errorf("--url: code %d, stderr %q", r.code, r.stderr)
	}
	// The token file alone does not make supers go remote.
	r = runCLI(t, map[string]string{"SUPERS_TOKEN_FILE": tokenFile, "SUPERS_SOCKET": other}, "status", "local")
	if r.code != exitOK {
		t.Errorf("$SUPERS_TOKEN_FILE alone: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestRemoteUsageErrors(t *testing.T) {
	tokenFile := writeToken(t, testToken)
	for _, tc := range []struct {
		args []string
		env  map[string]string
		msg  string
	}{
		{[]string{"--url", "http://127.0.0.1:8080", "list"}, nil, "--url needs --token-file FILE (or $SUPERS_TOKEN_FILE)"},
		{[]string{"list"}, map[string]string{"SUPERS_URL": "http://127.0.0.1:8080"}, "--url needs --token-file FILE (or $SUPERS_TOKEN_FILE)"},
		{[]string{"--url", "http://127.0.0.1:8080", "--socket", "/x.sock", "--token-file", tokenFile, "list"}, nil, "--socket and --url can't be used together"},
		{[]string{"--token-file", tokenFile, "list"}, nil, "--token-file is only for --url (or $SUPERS_URL)"},
		{[]string{"--url", "ftp://127.0.0.1", "--token-file", tokenFile, "list"}, nil, `superd URL "ftp://127.0.0.1": scheme must be http or https`},
		{[]string{"--url", "127.0.0.1:8080", "--token-file", tokenFile, "list"}, nil, "scheme missing"},
	} {
		r := runCLI(t, tc.env, tc.args...)
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, "supers: error: ") || !strings.Contains(r.stderr, tc.msg) ||
			!strings.Contains(r.stderr, "--help\" for usage.") {
			t.Errorf("%q: code %d, stderr %q", tc.args, r.code, r.stderr)
		}
	}

	// A token file that cannot be used is an error, not a usage error.
	bad := writeToken(t, "not a token")
	for _, file := range []string{filepath.Join(t.TempDir(), "none"), bad} {
		r := runCLI(t, nil, "--url", "http://127.0.0.1:8080", "--token-file", file, "list")
		if r.code != exitError || !strings.Contains(r.stderr, file) {
			t.Errorf("%s: code %d, stderr %q", file, r.code, r.stderr)
		}
	}
}

func TestRemoteRefusesToken(t *testing.T) {
	fb := fixture()
	url, _ := startRemote(t, fb)
	wrong := writeToken(t, "fedcba9876543210fedcba9876543210")
	for _, args := range [][]string{{"list"}, {"start", "web", "db"}, {"logs", "-f", "web"}, {"events", "-f"}, {"cat", "web"}} {
		r := runCLI(t, nil, append([]string{"--url", url, "--token-file", wrong}, args...)...)
		if r.code != exitError || r.stderr != "supers: superd refused the token (401): check --token-file\n" || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("requests reached superd: %q", calls)
	}
}

func TestRemoteUnreachable(t *testing.T) {
	// A port nobody listens on: take one, then free it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	_ = ln.Close()
	r := runCLI(t, nil, "--url", url+"/", "--token-file", writeToken(t, testToken), "status", "web", "db")
	if r.code != exitError || !strings.HasPrefix(r.stderr, "supers: cannot reach superd at "+url+": ") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}

func TestForbidden(t *testing.T) {
	fb := withDefs()
	fb.errs["web"] = transport.ErrForbidden
	fb.errs["db"] = fmt.Errorf("%w: uid 1000 may not use superd's control socket", transport.ErrForbidden)
	socket := startDaemon(t, fb)
	r := runAgainst(t, socket, "stop", "web", "db", "idle")
	want := "supers: stop web: superd refused the request (403): not allowed\n" +
		"supers: stop db: superd refused the request (403): uid 1000 may not use superd's control socket\n"
	if r.code != exitError || r.stderr != want || !strings.Contains(r.stdout, "idle ") {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
