//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nobodyUID is the user the tests below run superd as.
const nobodyUID = 65534

// superdAsNobody prepares a superd that runs as nobody, with a config dir
// of nobody's holding one service, and returns a function that runs it
// with args after --config-dir, and returns its output and exit code.
func superdAsNobody(t *testing.T) (base string, run func(args ...string) (string, int)) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run superd as another user")
	}
	base = t.TempDir()
	// nobody must get to the binary and the config dir.
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	superd := filepath.Join(base, "superd")
	b, err := os.ReadFile(filepath.Join(binDir, "superd"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(superd, b, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(base, "conf")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{conf, filepath.Join(conf, "a.service")} {
		if err := os.Chown(p, nobodyUID, nobodyUID); err != nil {
			t.Fatal(err)
		}
	}
	return base, func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, superd, append([]string{"--config-dir", conf}, args...)...)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
		out, err := cmd.CombinedOutput()
		return string(out), exitCode(err)
	}
}

// A superd that does not run as root, given a socket in a directory its
// user may not write (or under one, where the socket's directory would
// have to be made), passed superd --check, then refused to start
// ("opening lock file ...: permission denied", "mkdir ...: permission
// denied"). Both now fail, naming the flag and the directory, and superd
// says so before anything else.
func TestCheckRefusesSocketDirSuperdMayNotWrite(t *testing.T) {
	t.Parallel()
	base, run := superdAsNobody(t)
	rootOnly := filepath.Join(base, "run") // root's, 0755: nobody may not write
	if err := os.Mkdir(rootOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sock := range []string{filepath.Join(rootOnly, "s.sock"), filepath.Join(rootOnly, "super", "s.sock")} {
		for _, mode := range [][]string{{"--check"}, nil} {
			args := append([]string{"--socket", sock}, mode...)
			out, code := run(args...)
			if code != 1 {
				t.Fatalf("superd %v: exit %d, want 1\n%s", args, code, out)
			}
			for _, w := range []string{"--socket " + sock, rootOnly, "may not create the socket", "permission denied"} {
				if !strings.Contains(out, w) {
					t.Errorf("superd %v: output lacks %q:\n%s", args, w, out)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(rootOnly, "super")); err == nil {
		t.Error("a socket directory was made by a superd that could not start")
	}
}

// A state file or a lock file that a superd run as root left (mode 0600)
// beside the socket, in a directory of superd's user: superd, now run as
// that user, cannot open them and does not start; superd --check passed.
func TestCheckRefusesStateAndLockFilesSuperdCannotOpen(t *testing.T) {
	t.Parallel()
	base, run := superdAsNobody(t)
	for i, name := range []string{"s.sock.state", "s.sock.lock", "s.sock.state.lock"} {
		dir := filepath.Join(base, "run"+string(rune('a'+i)))
		if err := os.Mkdir(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, nobodyUID, nobodyUID); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name)
		body := ""
		if strings.HasSuffix(name, ".state") {
			body = `{"version":1}`
		}
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil { // root's
			t.Fatal(err)
		}
		sock := filepath.Join(dir, "s.sock")
		for _, mode := range [][]string{{"--check"}, nil} {
			args := append([]string{"--socket", sock}, mode...)
			out, code := run(args...)
			if code != 1 {
				t.Fatalf("superd %v: exit %d, want 1\n%s", args, code, out)
			}
			for _, w := range []string{file, "permission denied"} {
				if !strings.Contains(out, w) {
					t.Errorf("superd %v: output lacks %q:\n%s", args, w, out)
				}
			}
		}
	}
}

// A log dir that superd's user may not create (its nearest existing
// directory is root's) passed superd --check; superd then started and ran
// nothing ("services not created ... mkdir ...: permission denied"). The
// check now fails on it, naming the flag and the directory.
func TestCheckRefusesLogDirSuperdMayNotCreate(t *testing.T) {
	t.Parallel()
	base, run := superdAsNobody(t)
	rootOnly, mine := rootsAndNobodys(t, base, "var")
	logDir := filepath.Join(rootOnly, "log", "super")
	out, code := run("--check", "--socket", filepath.Join(mine, "s.sock"), "--log-dir", logDir)
	if code != 1 {
		t.Fatalf("superd --check: exit %d, want 1\n%s", code, out)
	}
	for _, w := range []string{"--log-dir " + logDir, rootOnly + ": permission denied", "no service could run"} {
		if !strings.Contains(out, w) {
			t.Errorf("superd --check: output lacks %q:\n%s", w, out)
		}
	}
	// One it may create passes.
	if out, code := run("--check", "--socket", filepath.Join(mine, "s.sock"), "--log-dir", filepath.Join(mine, "logs")); code != 0 {
		t.Fatalf("superd --check with a log dir it may create: exit %d\n%s", code, out)
	}
}

// A token file to create, for the HTTP API, in a directory superd's user
// may not write passed superd --check; superd then refused to start
// ("cannot create token file"). The check now fails on it.
func TestCheckRefusesTokenFileSuperdMayNotCreate(t *testing.T) {
	t.Parallel()
	base, run := superdAsNobody(t)
	rootOnly, mine := rootsAndNobodys(t, base, "etc")
	token := filepath.Join(rootOnly, "http.token")
	for _, mode := range [][]string{{"--check"}, nil} {
		args := append([]string{"--socket", filepath.Join(mine, "s.sock"), "--http", "127.0.0.1:0", "--http-token-file", token}, mode...)
		out, code := run(args...)
		if code != 1 {
			t.Fatalf("superd %v: exit %d, want 1\n%s", args, code, out)
		}
		for _, w := range []string{"cannot create token file " + token, rootOnly + ": permission denied"} {
			if !strings.Contains(out, w) {
				t.Errorf("superd %v: output lacks %q:\n%s", args, w, out)
			}
		}
	}
	// One it may create passes the check.
	if out, code := run("--check", "--socket", filepath.Join(mine, "s.sock"), "--http", "127.0.0.1:0", "--http-token-file", filepath.Join(mine, "http.token")); code != 0 {
		t.Fatalf("superd --check with a token file it may create: exit %d\n%s", code, out)
	}
}

// rootsAndNobodys makes two directories in base: name, root's (0755:
// nobody may not write it), and "mine", nobody's; it returns their paths.
func rootsAndNobodys(t *testing.T, base, name string) (rootOnly, mine string) {
	t.Helper()
	rootOnly = filepath.Join(base, name)
	if err := os.Mkdir(rootOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	mine = filepath.Join(base, "mine")
	if err := os.Mkdir(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(mine, nobodyUID, nobodyUID); err != nil {
		t.Fatal(err)
	}
	return rootOnly, mine
}
