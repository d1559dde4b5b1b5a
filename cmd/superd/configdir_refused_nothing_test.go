//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A --config-dir that does not exist (a typo) made superd create the
// socket's directory and its sock.lock before failing, since Run takes
// the socket's lock before it loads the config dir. superd now refuses
// such a config dir, as one that is a file or that another user could
// write, before it touches anything, with Run's error text.
func TestRefusedConfigDirCreatesNothing(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, dir, want string }{
		{"missing", filepath.Join(base, "typo"), "config dir: reading service directory: stat " + filepath.Join(base, "typo") + ": no such file or directory"},
		{"file", file, "--config-dir " + file + ": not a directory"},
		{"world-writable", open, "config dir: reading service directory: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sockDir := filepath.Join(t.TempDir(), "run", "super") // does not exist yet
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), "--config-dir", tc.dir,
				"--log-dir", filepath.Join(base, "logs"), "--socket", filepath.Join(sockDir, "s.sock")).CombinedOutput()
			if code := exitCode(err); code != 1 || !strings.Contains(string(out), tc.want) {
				t.Errorf("exit %d, want 1 with %q:\n%s", code, tc.want, out)
			}
			if _, err := os.Stat(sockDir); !os.IsNotExist(err) {
				t.Errorf("after a refused start, the socket's directory %s: %v (want it not made)", sockDir, err)
			}
		})
	}
}

// The same for a config dir superd's user may not read (nobody's, mode
// 0300): only Run's load found it, after the socket's lock was taken.
func TestUnreadableConfigDirCreatesNothing(t *testing.T) {
	t.Parallel()
	base, run := superdAsNobody(t)
	_, mine := rootsAndNobodys(t, base, "unused")
	if err := os.Chmod(filepath.Join(base, "conf"), 0o300); err != nil {
		t.Fatal(err)
	}
	sockDir := filepath.Join(mine, "run", "super") // nobody may make it
	out, code := run("--log-dir", filepath.Join(mine, "logs"), "--socket", filepath.Join(sockDir, "s.sock"))
	if want := "config dir: reading service directory: open " + filepath.Join(base, "conf") + ": permission denied"; code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d, want 1 with %q:\n%s", code, want, out)
	}
	if _, err := os.Stat(sockDir); !os.IsNotExist(err) {
		t.Errorf("after a refused start, the socket's directory %s: %v (want it not made)", sockDir, err)
	}
}
