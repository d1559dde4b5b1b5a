//go:build linux

package actors

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/supers-dev/supers/config"
)

// cachedActor returns a config actor that loaded dir/a.service (written
// with text) and whose status queries answer a.service from the cache of
// dirChanges: a second query stats nothing.
func cachedActor(t *testing.T, dir, text string) *configActor {
	t.Helper()
	path := filepath.Join(dir, "a"+config.FileSuffix)
	mustWriteFile(t, path, text)
	sp, err := config.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &configActor{dir: dir, log: slog.New(slog.DiscardHandler), known: map[string]*config.Service{"a": sp}}
	stats := 0
	c.statFile = func(path string) (fileStamp, bool) {
		stats++
		return stampOf(path)
	}
	c.openChanges(false)
	if c.changes == nil {
		t.Skip("no dirChanges on this file system")
	}
	t.Cleanup(c.closeChanges)
	c.stamps = map[string]fileStamp{}
	c.stamp(sp)
	if got := c.stale(nil); len(got) != 0 {
		t.Fatalf("stale after the load: %v", got)
	}
	stats = 0
	if got := c.stale(nil); len(got) != 0 || stats != 0 {
		t.Fatalf("second query: stale %v with %d stats; want nothing from the cache", got, stats)
	}
	return c
}

// A service file edited through another hard link to it (a path outside
// the config dir) shows as changed, although the directory's watch sees
// no event: the link was made after the file was found to have one.
func TestStaleSeesAnEditThroughAHardLink(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	c := cachedActor(t, dir, "[Service]\nExecStart=/bin/sleep 1\n")
	link := filepath.Join(other, "x")
	if err := os.Link(filepath.Join(dir, "a"+config.FileSuffix), link); errors.Is(err, syscall.EXDEV) {
		t.Skipf("temporary dirs on two file systems: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(link, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("# edited through a link\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := c.stale(nil); !got["a"] {
		t.Errorf("stale after an edit through a hard link: %v, want a", got)
	}
	// Reloaded: the same again, and then answered from the stat of each
	// query (two links), still right.
	c.stamp(c.known["a"])
	if got := c.stale(nil); len(got) != 0 {
		t.Errorf("stale after the reload: %v, want nothing", got)
	}
	mustWriteFile(t, link, "[Service]\nExecStart=/bin/sleep 2\n")
	if got := c.stale(nil); !got["a"] {
		t.Errorf("stale after a second edit through the link: %v, want a", got)
	}
}

// mountChildEnv marks the run of the test binary, in a mount namespace of
// its own, that TestStaleSeesAFileMountedOverOne makes.
const mountChildEnv = "SUPERS_TEST_MOUNT_CHILD"

// A file bind-mounted over a service file (changing what its path names,
// with no event in the directory) shows as changed.
func TestStaleSeesAFileMountedOverOne(t *testing.T) {
	if os.Getenv(mountChildEnv) == "" {
		if os.Geteuid() != 0 {
			t.Skip("mounting needs root")
		}
		// In a mount namespace of its own (private: nothing propagates
		// back), which ends with the process.
		cmd := exec.Command(os.Args[0], "-test.run=^TestStaleSeesAFileMountedOverOne$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), mountChildEnv+"=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err != nil && !errors.As(err, &exit):
			t.Skipf("no mount namespace: %v", err)
		case err != nil:
			t.Fatalf("in a mount namespace: %v\n%s", err, out)
		case strings.Contains(string(out), "--- SKIP"):
			t.Skipf("skipped in a mount namespace:\n%s", out)
		case !strings.Contains(string(out), "--- PASS: TestStaleSeesAFileMountedOverOne"):
			t.Fatalf("the test did not run in a mount namespace:\n%s", out)
		}
		return
	}
	dir, other := t.TempDir(), t.TempDir()
	c := cachedActor(t, dir, "[Service]\nExecStart=/bin/sleep 1\n")
	src := filepath.Join(other, "b"+config.FileSuffix)
	mustWriteFile(t, src, "[Service]\nExecStart=/bin/sleep 2\n")
	target := filepath.Join(dir, "a"+config.FileSuffix)
	if err := unix.Mount(src, target, "", unix.MS_BIND, ""); err != nil {
		t.Skipf("bind mount: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(target, 0) }) // before the dir is removed
	if got := c.stale(nil); !got["a"] {
		t.Errorf("stale after a file was mounted over a.service: %v, want a", got)
	}
	if err := unix.Unmount(target, 0); err != nil {
		t.Fatal(err)
	}
	if got := c.stale(nil); len(got) != 0 {
		t.Errorf("stale once the mount is gone: %v, want nothing", got)
	}
}
