//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCheckCatchesWhatStopsSuperdFromStarting: superd --check passes only
// what superd can start with. A socket group that does not exist, a
// certificate or key that cannot be loaded and a non-loopback address
// without TLS passed the check, then superd refused to start (under
// systemd: "check passed, restart" left superd down) with errors that did
// not say which setting was wrong. Both now fail, naming the key or flag.
func TestCheckCatchesWhatStopsSuperdFromStarting(t *testing.T) {
	tmp := t.TempDir()
	type hostCase struct {
		name  string
		conf  string
		flags []string
		want  []string
	}
	// A flag's value refused as it is parsed: a usage error, exit 2.
	usage := map[string]bool{"port out of range": true, "port a service name": true}
	cases := []hostCase{
		{"unknown group", "[Daemon]\nSocketGroup=no-such-group-here\n", nil,
			[]string{"superd.conf:2: [Daemon] SocketGroup: invalid value", "no-such-group-here"}},
		{"unknown group flag", "", []string{"--socket-group", "no-such-group-here"},
			[]string{"--socket-group no-such-group-here: invalid value"}},
		{"missing key file", "[Daemon]\nHTTPListen=127.0.0.1:0\nHTTPTLSCertFile=" + tmp + "/cert.pem\nHTTPTLSKeyFile=" + tmp + "/key.pem\n", nil,
			[]string{"superd.conf: [Daemon] HTTPTLSCertFile/HTTPTLSKeyFile", tmp + "/cert.pem", "no such file"}},
		{"plain HTTP on every interface", "", []string{"--http", "0.0.0.0:0"},
			[]string{"--http: listen on 0.0.0.0:0", "--http-insecure"}},
		// A port HTTPListen= refuses (out of range, not a number) passed
		// --check on the flag, and superd created the token file before
		// failing on it.
		{"port out of range", "", []string{"--http", "127.0.0.1:99999"},
			[]string{"--http", "99999", "is not a number from 0 to 65535"}},
		{"port out of range in superd.conf", "[Daemon]\nHTTPListen=127.0.0.1:-1\n", nil,
			[]string{"[Daemon] HTTPListen", "-1", "is not a number from 0 to 65535"}},
		{"port a service name", "", []string{"--http", "127.0.0.1:no-such-service-here"},
			[]string{"--http", "no-such-service-here", "is not a number from 0 to 65535"}},
	}
	// A socket path too long for a Unix socket, and one under a directory
	// every user may write in, passed --check too.
	long := filepath.Join(tmp, strings.Repeat("d", 120), "s.sock")
	open := filepath.Join(tmp, "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	cases = append(cases,
		hostCase{"socket path too long", "", []string{"--socket", long}, []string{"--socket " + long, "longer than the 107-byte limit"}},
		hostCase{"socket dir every user may write in", "", []string{"--socket", filepath.Join(open, "run", "s.sock")}, []string{"--socket", open, "writable by every user"}},
	)
	// A file where the socket, or a directory above it, would go, and a
	// directory the socket group cannot search, passed --check too; and
	// the flags of the HTTP API were ignored without one.
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	closed := filepath.Join(tmp, "closed")
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(closed, "other"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	gid := strconv.Itoa(os.Getegid())
	cases = append(cases,
		hostCase{"a file at the socket path", "", []string{"--socket", file}, []string{"--socket " + file, "is a regular file, not a socket"}},
		hostCase{"a file above the socket", "", []string{"--socket", filepath.Join(file, "s.sock")}, []string{file + " is not a directory"}},
		hostCase{"socket dir the group cannot search", "", []string{"--socket", filepath.Join(closed, "s.sock"), "--socket-group", gid},
			[]string{"socket group " + gid, "cannot reach the socket", closed}},
		hostCase{"HTTP flags without an HTTP API", "", []string{"--http-allow-edit", "--http-tls-cert", filepath.Join(tmp, "cert.pem")},
			[]string{"--http-allow-edit: no HTTP API", "--http-tls-cert: no HTTP API"}},
	)
	// Token files superd refuses (too short, readable by others, in a
	// directory that is not there) passed --check.
	short, loose := filepath.Join(tmp, "short.token"), filepath.Join(tmp, "loose.token")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(loose, []byte(strings.Repeat("x", 32)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	nodir := filepath.Join(tmp, "no-such-dir", "http.token")
	// A token directory that is a symbolic link to a missing directory
	// was said not to exist ("create the directory": a mkdir of it
	// fails): the link and its target are named.
	tokLink, tokTarget := filepath.Join(tmp, "tokdir"), filepath.Join(tmp, "tokreal")
	if err := os.Symlink("tokreal", tokLink); err != nil {
		t.Fatal(err)
	}
	cases = append(cases,
		hostCase{"token too short", "", []string{"--http", "127.0.0.1:0", "--http-token-file", short},
			[]string{"token file " + short + ": the token is shorter than 16 characters"}},
		hostCase{"token readable by others", "[Daemon]\nHTTPListen=127.0.0.1:0\nHTTPTokenFile=" + loose + "\n", nil,
			[]string{loose, "mode 0644", "not private"}},
		hostCase{"token file in a missing directory", "", []string{"--http", "127.0.0.1:0", "--http-token-file", nodir},
			[]string{"cannot create token file " + nodir, "no such file or directory", "directory " + filepath.Dir(nodir) + " does not exist (create the directory"}},
		hostCase{"token file in a dangling link", "", []string{"--http", "127.0.0.1:0", "--http-token-file", filepath.Join(tokLink, "http.token")},
			[]string{"cannot create token file " + filepath.Join(tokLink, "http.token"), tokLink + " is a symbolic link to " + tokTarget + ", which does not exist: create it (or name another token file"}},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 100\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.conf != "" {
				if err := os.WriteFile(filepath.Join(dir, "superd.conf"), []byte(tc.conf), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"--config-dir", dir, "--log-dir", filepath.Join(dir, "logs"), "--socket", filepath.Join(dir, "s.sock")}, tc.flags...)
			for _, mode := range [][]string{{"--check"}, nil} {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), append(args, mode...)...).CombinedOutput()
				cancel()
				want := 1
				if usage[tc.name] {
					want = 2
				}
				if code := exitCode(err); code != want {
					t.Fatalf("superd %v: exit %d (%v), want %d\n%s", mode, code, err, want, out)
				}
				for _, w := range tc.want {
					if !strings.Contains(string(out), w) {
						t.Errorf("superd %v: output lacks %q:\n%s", mode, w, out)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "http.token")); err == nil {
				t.Error("a token file was created by a superd that could not start")
			}
		})
	}
}

// exitCode returns the exit code of a command's error (0 for nil, -1 if it
// did not exit).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// A --config-dir that is a file is said to be one: superd said
// "superd.conf: DIR/superd.conf: cannot read: not a directory".
func TestConfigDirIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "etc")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), "--config-dir", file,
		"--socket", filepath.Join(t.TempDir(), "s.sock")).CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "--config-dir "+file+": not a directory") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

// A mistyped --config-dir with the HTTP API on: superd (and its --check)
// said that the default token file's directory did not exist and advised
// creating it, which made a superd of nothing; it says the config dir's
// error, as it does without the API.
func TestMissingConfigDirWithHTTPIsTheConfigDirsError(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "etc-typo")
	for _, check := range []bool{false, true} {
		args := []string{"--config-dir", typo, "--log-dir", filepath.Join(dir, "logs"),
			"--socket", filepath.Join(dir, "s.sock"), "--http", "127.0.0.1:0"}
		if check {
			args = append([]string{"--check"}, args...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), args...).CombinedOutput()
		cancel()
		if code := exitCode(err); code != 1 || !strings.Contains(string(out), "config dir: reading service directory") ||
			strings.Contains(string(out), "create the directory") {
			t.Errorf("superd (--check %v): exit %d, want 1 with the config dir's error and no advice to create it:\n%s", check, code, out)
		}
	}
	if _, err := os.Lstat(typo); !os.IsNotExist(err) {
		t.Errorf("the mistyped config dir: %v, want none", err)
	}

	// A config dir that is a file: only its error, not the token file's
	// in it ("open FILE/http.token: not a directory") besides.
	file := filepath.Join(dir, "etc-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, check := range []bool{false, true} {
		args := []string{"--config-dir", file, "--log-dir", filepath.Join(dir, "logs"),
			"--socket", filepath.Join(dir, "s.sock"), "--http", "127.0.0.1:0"}
		want := "--config-dir " + file + ": not a directory"
		if check {
			args = append([]string{"--check"}, args...)
			want = "config dir: reading service directory"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), args...).CombinedOutput()
		cancel()
		if code := exitCode(err); code != 1 || !strings.Contains(string(out), want) || strings.Contains(string(out), "token") {
			t.Errorf("superd (--check %v) with a file for --config-dir: exit %d, want 1 with %q and no token file's error:\n%s", check, code, want, out)
		}
	}
}
