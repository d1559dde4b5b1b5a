//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The token of a running superd is rotated by writing its token file: the
// next request needs the new token, and the old one is refused, without a
// restart (the file was read at start only: a leaked token kept working
// until superd was restarted). A file caught half-written, or refused for
// its mode, leaves the token in force, with one warning, until it is
// fixed. supers --url reads the rotated file.
func TestHTTPTokenRotatedWithoutRestart(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).withHTTP().start()
	d.waitRunning("web")
	oldAPI := d.tcpAPI()
	file := filepath.Join(d.dir, "http.token")
	want(t, oldAPI.do("GET", "/v1/services", nil), 200, "the token superd created")

	// Rotated as the README says: a new file renamed over the old one.
	const second = "2222222222222222222222222222222222222222222222222222222222222222"
	replaceTokenFile(t, file, second+"\n", 0o600)
	newAPI := &api{t: t, base: oldAPI.base, token: second, hc: oldAPI.hc}
	want(t, oldAPI.do("GET", "/v1/services", nil), 401, "the old token after the rotation")
	want(t, newAPI.do("GET", "/v1/services", nil), 200, "the new token")
	waitFor(t, 10*time.Second, "the new token in force, in superd's log", func() bool {
		return strings.Contains(d.stderr.String(), "HTTP API token changed on disk")
	})
	out, errs, code := runCLIWith(t, nil, "--url", oldAPI.base, "--token-file", file, "status", "web")
	if code != 0 || !strings.Contains(out, "running") {
		t.Errorf("supers --url with the rotated token file: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	// Caught half-written (truncated, not written yet): the token stays.
	if err := os.Truncate(file, 0); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		want(t, newAPI.do("GET", "/v1/services", nil), 200, "the token in force, the file empty")
	}
	// Written with a mode that lets others read it: refused, then fixed
	// by a chmod alone.
	const third = "3333333333333333333333333333333333333333333333333333333333333333"
	replaceTokenFile(t, file, third+"\n", 0o644)
	thirdAPI := &api{t: t, base: oldAPI.base, token: third, hc: oldAPI.hc}
	for range 5 {
		want(t, thirdAPI.do("GET", "/v1/services", nil), 401, "the token of a 0644 file")
		want(t, newAPI.do("GET", "/v1/services", nil), 200, "the token in force, the file 0644")
	}
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, thirdAPI.do("GET", "/v1/services", nil), 200, "the token of the file once chmod 600")
	want(t, newAPI.do("GET", "/v1/services", nil), 401, "the token before, once the file is fixed")
	want(t, oldAPI.do("GET", "/v1/services", nil), 401, "the first token")

	// The records come through superd's log queue, in order: once the
	// second token change is there, so are the warnings before it.
	waitFor(t, 10*time.Second, "the second token change in superd's log", func() bool {
		return strings.Count(d.stderr.String(), "HTTP API token changed on disk") == 2
	})
	logs := d.stderr.String()
	var warnings []string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "token file") && strings.Contains(line, "cannot be used") {
			warnings = append(warnings, line)
		}
	}
	if len(warnings) != 2 {
		t.Errorf("%d warnings, want 2 (the empty file, the 0644 one; not one per request):\n%s", len(warnings), logs)
	}
	for _, w := range warnings {
		if !strings.Contains(w, "level=WARN") {
			t.Errorf("not a warning: %s", w)
		}
	}
	for _, tok := range []string{oldAPI.token, second, third} {
		if strings.Contains(logs, tok) {
			t.Fatalf("a token is in superd's log:\n%s", logs)
		}
	}
}

// replaceTokenFile puts a new file of the given content and mode in place
// of path: written under another name, then renamed over it.
func replaceTokenFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".http.token.new")
	if err := os.WriteFile(tmp, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, perm); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// Followers over TCP (supers --url --token-file FILE logs -f, events -f)
// whose token is then replaced in superd's token file are cut at the next
// request that presents the new token, and say so: the leaked token of a
// follower was refused for new requests, but its streams went on for as
// long as the follower kept them open.
func TestHTTPTokenRotatedEndsFollowers(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sh -c 'echo hello; exec sleep 1000'\n"}).withHTTP().start()
	d.waitRunning("web")
	oldAPI := d.tcpAPI()
	// The followers' own copy of the token, as a leaked one would be.
	leaked := filepath.Join(t.TempDir(), "leaked.token")
	if err := os.WriteFile(leaked, []byte(oldAPI.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	type follower struct {
		name        string
		out, errOut syncBuffer
		exited      chan error
	}
	var followers []*follower
	for _, args := range [][]string{{"logs", "-f", "web"}, {"events", "-f"}} {
		f := &follower{name: args[0], exited: make(chan error, 1)}
		cmd := exec.Command(filepath.Join(binDir, "supers"), append([]string{"--url", oldAPI.base, "--token-file", leaked}, args...)...)
		cmd.Env = append(os.Environ(), "SUPERS_SOCKET=")
		cmd.Stdout, cmd.Stderr = &f.out, &f.errOut
		cmd.WaitDelay = time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { f.exited <- cmd.Wait() }()
		defer func() { _ = cmd.Process.Kill() }() // the goroutine above reaps it
		followers = append(followers, f)
	}
	for _, f := range followers {
		waitFor(t, 10*time.Second, "the "+f.name+" follower's first line", func() bool { return f.out.String() != "" })
	}

	const second = "4444444444444444444444444444444444444444444444444444444444444444"
	replaceTokenFile(t, filepath.Join(d.dir, "http.token"), second+"\n", 0o600)
	newAPI := &api{t: t, base: oldAPI.base, token: second, hc: oldAPI.hc}
	want(t, newAPI.do("GET", "/v1/services", nil), 200, "the new token")
	for _, f := range followers {
		select {
		case err := <-f.exited:
			if err == nil || !strings.Contains(f.errOut.String(), "cut midway") {
				t.Errorf("the %s follower of the replaced token: %v, stderr %q; want a failure saying its stream was cut", f.name, err, f.errOut.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the %s follower of the replaced token goes on: stdout %q, stderr %q", f.name, f.out.String(), f.errOut.String())
		}
	}
}
