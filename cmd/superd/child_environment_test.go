//go:build linux

package main

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// childEnviron returns the environment of the running process of service
// name, as the kernel holds it.
func childEnviron(t *testing.T, d *daemon, name string) []string {
	t.Helper()
	st := d.waitRunning(name)
	b, err := os.ReadFile("/proc/" + itoa(st.PID) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// withEnv makes superd start with env as its whole environment.
func withEnv(d *daemon, env []string) *daemon {
	d.prepare = func(cmd *exec.Cmd) { cmd.Env = env }
	return d
}

// superdEnv is the environment of the test, without the variables the
// tests set or check, plus extra.
func superdEnv(extra ...string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return k == "PATH" || k == "LANG" || k == "TZ" || strings.HasPrefix(k, "LC_") || strings.HasPrefix(k, "SUPERD_")
	})
	return append(env, append([]string{"SUPERS_SOCKET="}, extra...)...)
}

// The environment of a child is not superd's: only PATH (superd's), HOME,
// USER and LOGNAME (of superd's user, as its passwd entry gives them), the
// locale (LANG, LC_*), Environment= and the state file's marker. A
// variable of superd's own (a token, say) never reaches it, nor does TZ.
func TestChildEnvironmentIsNotSuperds(t *testing.T) {
	t.Parallel()
	me, err := user.Current()
	if err != nil {
		t.Skip("no passwd entry for the test's user:", err)
	}
	const path = "/usr/bin:/bin:/usr/sbin:/sbin"
	d := withEnv(newDaemon(t, map[string]string{
		"app.service": "[Service]\nExecStart=/bin/sleep 1000\nEnvironment=APP=1 LC_TIME=C\n",
	}), superdEnv("SUPERD_TEST_SECRET=x", "API_TOKEN=secret", "PATH="+path,
		"LANG=C.UTF-8", "LC_MESSAGES=C", "TZ=Europe/Paris", "HOME=/elsewhere", "USER=someone")).start()
	env := childEnviron(t, d, "app")

	want := []string{"PATH=" + path, "HOME=" + me.HomeDir, "USER=" + me.Username, "LOGNAME=" + me.Username,
		"LANG=C.UTF-8", "LC_MESSAGES=C", "LC_TIME=C", "APP=1"}
	for _, kv := range want {
		if !slices.Contains(env, kv) {
			t.Errorf("no %s in the child's environment %q", kv, env)
		}
	}
	var marker bool
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "SUPERD_MARKER":
			marker = true
		case slices.Contains(want, kv):
		default:
			t.Errorf("the child got %s, which is neither documented nor in Environment=", kv)
		}
	}
	if !marker {
		t.Errorf("no SUPERD_MARKER in the child's environment %q", env)
	}
}

// A superd without PATH gives its children systemd's default PATH, and
// finds a relative ExecStart= program in it.
func TestChildEnvironmentDefaultPath(t *testing.T) {
	t.Parallel()
	const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	d := withEnv(newDaemon(t, map[string]string{
		"app.service": "[Service]\nExecStart=sleep 1000\n",
	}), superdEnv()).start()
	env := childEnviron(t, d, "app")
	if !slices.Contains(env, "PATH="+defaultPath) {
		t.Errorf("child's environment %q, want PATH=%s", env, defaultPath)
	}
}

// A numeric User= without a passwd entry gets HOME=/ and its uid as USER
// and LOGNAME, never superd's (root's) HOME and USER.
func TestChildEnvironmentUidWithoutPasswdEntry(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("User= needs superd to run as root")
	}
	const uid = "54321"
	if _, err := user.LookupId(uid); err == nil {
		t.Skip("uid " + uid + " has a passwd entry here")
	}
	d := withEnv(newDaemon(t, map[string]string{
		"anon.service": "[Service]\nExecStart=/bin/sleep 1000\nUser=" + uid + "\nGroup=" + uid + "\n",
		"own.service":  "[Service]\nExecStart=/bin/sleep 1000\nUser=" + uid + "\nGroup=" + uid + "\nEnvironment=HOME=/srv/own\n",
	}), superdEnv("PATH=/usr/bin:/bin", "HOME=/root", "USER=root", "LOGNAME=root")).start()
	env := childEnviron(t, d, "anon")
	for _, kv := range []string{"HOME=/", "USER=" + uid, "LOGNAME=" + uid} {
		if !slices.Contains(env, kv) {
			t.Errorf("no %s in the child's environment %q", kv, env)
		}
	}
	if own := childEnviron(t, d, "own"); !slices.Contains(own, "HOME=/srv/own") {
		t.Errorf("Environment=HOME does not win: %q", own)
	}
}

// A child starts with umask 0022, even when superd was started with a
// stricter one; the files superd creates keep their own modes.
func TestChildUmask(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"app.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	})
	d.prepare = func(cmd *exec.Cmd) {
		// The shell sets the umask, then becomes superd (same pid).
		cmd.Args = append([]string{"sh", "-c", `umask 077 && exec "$0" "$@"`, cmd.Path}, cmd.Args[1:]...)
		cmd.Path = "/bin/sh"
	}
	d.start()
	st := d.waitRunning("app")
	if got := procUmask(t, st.PID); got != "0022" {
		t.Errorf("child's umask %s, want 0022", got)
	}
	// What superd created is not group- or world-writable, and its
	// private files stay private.
	waitFor(t, 10*time.Second, "the state file", func() bool {
		_, err := os.Stat(d.socket + ".state")
		return err == nil
	})
	for path, want := range map[string]os.FileMode{
		filepath.Join(d.logDir, "app"):               0o750,
		filepath.Join(d.logDir, "app", "stdout.log"): 0o640,
		d.socket + ".state":                          0o600,
		d.socket:                                     0o660 | os.ModeSocket,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("stat: %v", err)
			continue
		}
		if got := fi.Mode() &^ os.ModeDir; got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
}

// procUmask returns the umask of the process pid, as /proc/PID/status
// shows it ("0022").
func procUmask(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no Umask in /proc/%d/status", pid)
	return ""
}
