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

// A superd that does not run as root, given a socket in a directory its
// user may not write (or under one, where the socket's directory would
// have to be made), passed superd --check, then refused to start
// ("opening lock file ...: permission denied", "mkdir ...: permission
// denied"). Both now fail, naming the flag and the directory, and superd
// says so before anything else.
func TestCheckRefusesSocketDirSuperdMayNotWrite(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run superd as another user")
	}
	const nobody = 65534
	base := t.TempDir()
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
		if err := os.Chown(p, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	rootOnly := filepath.Join(base, "run") // root's, 0755: nobody may not write
	if err := os.Mkdir(rootOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sock := range []string{filepath.Join(rootOnly, "s.sock"), filepath.Join(rootOnly, "super", "s.sock")} {
		for _, mode := range [][]string{{"--check"}, nil} {
			args := append([]string{"--config-dir", conf, "--socket", sock}, mode...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			cmd := exec.CommandContext(ctx, superd, args...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
			out, err := cmd.CombinedOutput()
			cancel()
			if code := exitCode(err); code != 1 {
				t.Fatalf("superd %v: exit %d (%v), want 1\n%s", args, code, err, out)
			}
			for _, w := range []string{"--socket " + sock, rootOnly, "may not create the socket", "permission denied"} {
				if !strings.Contains(string(out), w) {
					t.Errorf("superd %v: output lacks %q:\n%s", args, w, out)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(rootOnly, "super")); err == nil {
		t.Error("a socket directory was made by a superd that could not start")
	}
}
