//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The CLI's API commands against a real superd: logs, signal, cat, apply,
// edit (with a scripted editor), rm, and the same over --url.

func TestCLIAPICommands(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"echo.service": "[Service]\nExecStart=/bin/sh -c 'trap : USR1; echo one; echo two; echo three; echo oops >&2; while :; do sleep 0.1; done'\n",
	}).withHTTP("--http-allow-edit").start()
	d.waitRunning("echo")

	waitFor(t, 10*time.Second, "echo's output in its log", func() bool {
		out, _, code := d.cli("logs", "-n", "2", "echo")
		return code == 0 && out == "two\nthree\n"
	})
	if out, _, code := d.cli("logs", "--stderr", "echo"); code != 0 || out != "oops\n" {
		t.Fatalf("logs --stderr: %q, exit %d", out, code)
	}
	if out, errs, code := d.cli("signal", "echo", "USR1"); code != 0 || !strings.Contains(out, "SIGUSR1") {
		t.Fatalf("signal: %q %q, exit %d", out, errs, code)
	}
	if _, errs, code := d.cli("signal", "echo", "NOPE"); code == 0 || !strings.Contains(errs, "NOPE") {
		t.Fatalf("bad signal: %q, exit %d", errs, code)
	}

	// apply creates, cat shows it back exactly.
	work := t.TempDir()
	def := "[Service]\nExecStart=/bin/sleep 3001\n"
	file := filepath.Join(work, "web.service")
	if err := os.WriteFile(file, []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := d.cli("apply", file); code != 0 || !strings.Contains(out, "web: created") {
		t.Fatalf("apply: %q %q, exit %d", out, errs, code)
	}
	web := d.waitRunning("web")
	if out, _, code := d.cli("cat", "web"); code != 0 || out != def {
		t.Fatalf("cat: %q, exit %d", out, code)
	}

	// edit with a scripted editor: the change is applied, web restarts.
	editor := filepath.Join(work, "editor.sh")
	script := "#!/bin/sh\nsed -i 's/3001/3002/' \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmdEnv := []string{"EDITOR=" + editor, "VISUAL="}
	if out, errs, code := runCLIEnv(t, d.socket, cmdEnv, "edit", "web"); code != 0 {
		t.Fatalf("edit: %q %q, exit %d", out, errs, code)
	}
	waitFor(t, 10*time.Second, "web restarted with the edited command", func() bool {
		st := d.status("web")
		if st.State != "running" || st.PID == web.PID {
			return false
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.PID))
		return strings.Contains(string(b), "3002")
	})

	// The same commands over TCP with the token.
	tcp := d.tcpAPI()
	remote := []string{"SUPERS_URL=" + tcp.base, "SUPERS_TOKEN_FILE=" + filepath.Join(d.dir, "http.token"), "SUPERS_SOCKET="}
	if out, errs, code := runCLIEnv(t, "", remote, "status", "web"); code != 0 || !strings.Contains(out, "running") {
		t.Fatalf("remote status: %q %q, exit %d", out, errs, code)
	}
	if out, errs, code := runCLIEnv(t, "", remote, "logs", "-n", "1", "echo"); code != 0 || out != "three\n" {
		t.Fatalf("remote logs: %q %q, exit %d", out, errs, code)
	}
	if out, errs, code := runCLIEnv(t, "", remote, "rm", "web"); code != 0 || !strings.Contains(out, "web: deleted") {
		t.Fatalf("remote rm: %q %q, exit %d", out, errs, code)
	}
	// rm answers once the file is moved; the stop follows, the service
	// not running (exit 3: stopping) until its process is gone, then
	// unknown.
	waitFor(t, 20*time.Second, "web unknown after rm", func() bool {
		out, errs, code := d.cli("status", "web")
		if code != 3 && code != 4 {
			t.Fatalf("status after rm: exit %d, %q %q; want 4 (unknown), or 3 while it stops", code, out, errs)
		}
		return code == 4
	})
	wrongToken := filepath.Join(work, "wrong.token")
	if err := os.WriteFile(wrongToken, []byte(strings.Repeat("0", 64)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := []string{"SUPERS_URL=" + tcp.base, "SUPERS_TOKEN_FILE=" + wrongToken, "SUPERS_SOCKET="}
	if _, errs, code := runCLIEnv(t, "", bad, "status"); code == 0 || !strings.Contains(errs, "401") {
		t.Fatalf("wrong token: %q, exit %d", errs, code)
	}
}

// runCLIEnv runs supers on socket with extra environment variables, which
// may override SUPERS_SOCKET.
func runCLIEnv(t *testing.T, socket string, env []string, args ...string) (string, string, int) {
	t.Helper()
	return runCLIWith(t, append([]string{"SUPERS_SOCKET=" + socket}, env...), args...)
}
