//go:build linux

package logsink

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A live file the sink's user cannot write (left by a superd run as root,
// found by one run as another user) is moved aside and replaced: the first
// output written used to be lost, lumberjack's own fallback creating the
// new file with the old one's mode and failing to give it the old owner.
func TestUnwritableLiveFileIsReplaced(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the sink as another user")
	}
	base, err := os.MkdirTemp("", "ls")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "svc")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(dir, "stdout.log")
	if err := os.WriteFile(live, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The test binary's own directory is root's alone: run a copy.
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(base, "logsink.test")
	if err := os.WriteFile(self, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+childSinkMode, sinkDirEnv+"="+dir, "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sink as uid 65534: %v\n%s", err, out)
	}
	b, err := os.ReadFile(live)
	if err != nil || string(b) != sinkFirstLine {
		t.Errorf("live file holds %q (%v), want %q", b, err, sinkFirstLine)
	}
	if fi, err := os.Stat(live); err != nil || fi.Mode().Perm() != filePerm || fi.Sys().(*syscall.Stat_t).Uid != 65534 {
		t.Errorf("live file: %v, %v; want mode %v, owner 65534", fi.Mode(), err, filePerm)
	}
	entries, _ := os.ReadDir(dir)
	var old []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "stdout-") {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			old = append(old, string(b))
		}
	}
	if len(old) != 1 || old[0] != "old\n" {
		t.Errorf("backups hold %q, want the old file's content", old)
	}
}
