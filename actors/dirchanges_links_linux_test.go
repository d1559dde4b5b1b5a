//go:build linux

package actors

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	c, _ := cachedActorOf(t, dir, map[string]string{"a": text})
	return c
}

// cachedActorOf is cachedActor for the files dir/NAME.service, written
// with texts[NAME]. It also returns the count of the stats its status
// queries made.
func cachedActorOf(t *testing.T, dir string, texts map[string]string) (*configActor, *int) {
	t.Helper()
	c := &configActor{dir: dir, log: slog.New(slog.DiscardHandler), known: map[string]*config.Service{}}
	for name, text := range texts {
		path := filepath.Join(dir, name+config.FileSuffix)
		mustWriteFile(t, path, text)
		sp, err := config.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c.known[name] = sp
	}
	stats := new(int)
	c.statFile = func(path string) (fileStamp, bool) {
		*stats++
		return stampOf(path)
	}
	c.openChanges(false)
	if c.changes == nil {
		t.Skip("no dirChanges on this file system")
	}
	t.Cleanup(c.closeChanges)
	c.stamps = map[string]fileStamp{}
	for _, sp := range c.known {
		c.stamp(sp)
	}
	if got := c.stale(nil); len(got) != 0 {
		t.Fatalf("stale after the load: %v", got)
	}
	*stats = 0
	if got := c.stale(nil); len(got) != 0 || *stats != 0 {
		t.Fatalf("second query: stale %v with %d stats; want nothing from the cache", got, *stats)
	}
	return c, stats
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

// mountChildEnv marks a run of the test binary in a mount namespace of
// its own (see inMountNamespace).
const mountChildEnv = "SUPERS_TEST_MOUNT_CHILD"

// inMountNamespace reports whether the test runs in a mount namespace of
// its own, where it may mount (private: nothing propagates back, and its
// mounts end with the process). Otherwise it runs the test again there, in
// a child process, passes, fails or skips t as that run did, and returns
// false: the caller returns.
func inMountNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(mountChildEnv) != "" {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
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
	case !strings.Contains(string(out), "--- PASS: "+t.Name()):
		t.Fatalf("the test did not run in a mount namespace:\n%s", out)
	}
	return false
}

// A file bind-mounted over a service file (changing what its path names,
// with no event in the directory) shows as changed.
func TestStaleSeesAFileMountedOverOne(t *testing.T) {
	if !inMountNamespace(t) {
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

// A change of the mount table that leaves the service files where they
// were (a mount elsewhere, as a container host makes all the time) has
// none of them checked again; a file mounted over one has that one
// checked, and only that one.
func TestStaleChecksOnlyTheFilesAMountMoved(t *testing.T) {
	if !inMountNamespace(t) {
		return
	}
	dir, other := t.TempDir(), t.TempDir()
	c, stats := cachedActorOf(t, dir, map[string]string{
		"a": "[Service]\nExecStart=/bin/sleep 1\n",
		"b": "[Service]\nExecStart=/bin/sleep 1\n",
	})
	// A descriptor of its own tells that the mount table did change.
	probe, err := unix.Open("/proc/self/mountinfo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no mount table: %v", err)
	}
	defer unix.Close(probe)
	changed := func() bool {
		t.Helper()
		fds := []unix.PollFd{{Fd: int32(probe), Events: unix.POLLPRI}}
		if _, err := unix.Poll(fds, 0); err != nil {
			t.Fatal(err)
		}
		return fds[0].Revents&unix.POLLPRI != 0
	}
	query := func(when string, wantStats int, wantStale ...string) {
		t.Helper()
		*stats = 0
		var names []string
		for n := range c.stale(nil) {
			names = append(names, n)
		}
		slices.Sort(names)
		if !slices.Equal(names, wantStale) || *stats != wantStats {
			t.Errorf("%s: stale %v with %d stats; want %v with %d", when, names, *stats, wantStale, wantStats)
		}
	}

	elsewhere := filepath.Join(other, "mnt")
	if err := os.Mkdir(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", elsewhere, "tmpfs", 0, ""); err != nil {
		t.Skipf("mount: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(elsewhere, 0) })
	if !changed() {
		t.Fatal("no change of the mount table seen after a mount")
	}
	query("after a mount elsewhere", 0)

	src := filepath.Join(other, "b"+config.FileSuffix)
	mustWriteFile(t, src, "[Service]\nExecStart=/bin/sleep 2\n")
	target := filepath.Join(dir, "b"+config.FileSuffix)
	if err := unix.Mount(src, target, "", unix.MS_BIND, ""); err != nil {
		t.Skipf("bind mount: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(target, 0) }) // before the dir is removed
	query("after a file was mounted over b.service", 1, "b")
	query("again", 1, "b") // b is not trusted while mounted over: stat'ed at each query
	if err := unix.Unmount(target, 0); err != nil {
		t.Fatal(err)
	}
	query("once the mount over b.service is gone", 1)
	query("then", 0)
}
