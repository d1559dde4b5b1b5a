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

// superd refuses to start with a state file (<socket>.state), or a lock
// file beside the socket, that another user may have written or that is
// not a regular file: superd --check passed them all ("1 service file(s)
// valid", exit 0), then superd did not start. The check now fails on
// them too, naming the file, and changes nothing.
func TestCheckRefusesStateAndLockFilesSuperdRefuses(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	const nobody = 65534
	cases := []struct {
		name string
		make func(t *testing.T, sock string) string // returns the file superd must name
		want string
	}{
		{"state file others may write", func(t *testing.T, sock string) string {
			writeMode(t, sock+".state", `{"version":1}`, 0o666)
			return sock + ".state"
		}, "mode 0666"},
		{"state file of another user", func(t *testing.T, sock string) string {
			writeMode(t, sock+".state", `{"version":1}`, 0o600)
			if err := os.Chown(sock+".state", nobody, nobody); err != nil {
				t.Fatal(err)
			}
			return sock + ".state"
		}, "belongs to uid 65534"},
		{"state file a symlink", func(t *testing.T, sock string) string {
			target := filepath.Join(filepath.Dir(sock), "elsewhere")
			writeMode(t, target, `{"version":1}`, 0o600)
			if err := os.Symlink(target, sock+".state"); err != nil {
				t.Fatal(err)
			}
			return sock + ".state"
		}, "symlink"},
		{"state lock of another user", func(t *testing.T, sock string) string {
			writeMode(t, sock+".state.lock", "", 0o600)
			if err := os.Chown(sock+".state.lock", nobody, nobody); err != nil {
				t.Fatal(err)
			}
			return sock + ".state.lock"
		}, "belongs to uid 65534"},
		{"socket lock a symlink", func(t *testing.T, sock string) string {
			if err := os.Symlink(filepath.Join(filepath.Dir(sock), "planted"), sock+".lock"); err != nil {
				t.Fatal(err)
			}
			return sock + ".lock"
		}, "symlink"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "conf")
			if err := os.Mkdir(conf, 0o755); err != nil {
				t.Fatal(err)
			}
			writeMode(t, filepath.Join(conf, "a.service"), "[Service]\nExecStart=/bin/sleep 100\n", 0o644)
			sock := filepath.Join(dir, "s.sock")
			file := tc.make(t, sock)
			args := []string{"--config-dir", conf, "--log-dir", filepath.Join(dir, "logs"), "--socket", sock}
			for _, mode := range [][]string{{"--check"}, nil} {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), append(args, mode...)...).CombinedOutput()
				cancel()
				if code := exitCode(err); code != 1 {
					t.Fatalf("superd %v: exit %d (%v), want 1\n%s", mode, code, err, out)
				}
				for _, w := range []string{file, tc.want} {
					if !strings.Contains(string(out), w) {
						t.Errorf("superd %v: output lacks %q:\n%s", mode, w, out)
					}
				}
			}
			if _, err := os.Lstat(sock); err == nil {
				t.Error("a socket was made by a superd that could not start")
			}
		})
	}
}

// writeMode writes body to path with exactly mode perm.
func writeMode(t *testing.T, path, body string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}
