//go:build unix

package transport

import (
	"bufio"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pingSocket checks that something answers the control API at path.
func pingSocket(t *testing.T, path string) {
	t.Helper()
	if _, err := NewClient(path).Version(t.Context()); err != nil {
		t.Fatalf("socket %s does not answer: %v", path, err)
	}
}

func TestListenUnixSocketMode(t *testing.T) {
	path := serveUnix(t, NewHandler(newFakeBackend(), HandlerOptions{}))
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket mode %v, want socket 0660", fi.Mode())
	}
	pingSocket(t, path)
}

func TestListenUnixCreatesParentDirs(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	base := shortTempDir(t)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(base, "a", "b", "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, dir := range []string{filepath.Join(base, "a"), filepath.Join(base, "a", "b")} {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm() != 0o750 {
			t.Errorf("%s: %v %v, want 0750", dir, fi.Mode(), err)
		}
	}
	if fi, _ := os.Stat(base); fi.Mode().Perm() != 0o755 {
		t.Errorf("existing dir changed to %v", fi.Mode())
	}
}

func TestListenUnixSecondInstanceRefused(t *testing.T) {
	path := serveUnix(t, NewHandler(newFakeBackend(), HandlerOptions{}))

	ln, err := ListenUnix(path)
	if err == nil {
		ln.Close()
		t.Fatal("second ListenUnix succeeded")
	}
	if !errors.Is(err, ErrDaemonRunning) {
		t.Fatalf("got %v, want ErrDaemonRunning", err)
	}
	// The holder is named where the system tells it (Linux's /proc/locks):
	// here, this process.
	want := "another superd is running on " + path + " (lock " + path + ".lock held)"
	if runtime.GOOS == "linux" {
		want = "another superd is running on " + path + " (pid " + strconv.Itoa(os.Getpid()) + " holds " + path + ".lock)"
	}
	if err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}
	// The first one still serves, on the same socket file.
	pingSocket(t, path)
}

func TestListenUnixCloseReleases(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	if ln.Path() != path || ln.Addr().String() != path {
		t.Errorf("Path %q, Addr %q", ln.Path(), ln.Addr())
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket still there after Close: %v", err)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Errorf("lock file removed: %v", err)
	}
	ln2, err := ListenUnix(path)
	if err != nil {
		t.Fatalf("ListenUnix after Close: %v", err)
	}
	startServer(t, ln2, NewHandler(newFakeBackend(), HandlerOptions{}))
	pingSocket(t, path)
}

func TestListenUnixRemovesStaleSocket(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false)
	_ = old.Close()

	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	startServer(t, ln, NewHandler(newFakeBackend(), HandlerOptions{}))
	pingSocket(t, path)
}

func TestListenUnixRefusesNonSockets(t *testing.T) {
	dir := shortTempDir(t)

	file := filepath.Join(dir, "file.sock")
	if err := os.WriteFile(file, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	subdir := filepath.Join(dir, "dir.sock")
	if err := os.Mkdir(subdir, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.sock")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.sock")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{file, subdir, link, dangling} {
		ln, err := ListenUnix(path)
		if err == nil {
			ln.Close()
			t.Errorf("%s: ListenUnix succeeded", path)
			continue
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a socket") {
			t.Errorf("%s: error %q does not explain", path, err)
		}
		if errors.Is(err, ErrDaemonRunning) {
			t.Errorf("%s: reported as ErrDaemonRunning", path)
		}
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "precious" {
		t.Errorf("regular file changed: %q %v", b, err)
	}
	if fi, err := os.Lstat(subdir); err != nil || !fi.IsDir() {
		t.Errorf("directory changed: %v", err)
	}
	for _, l := range []string{link, dangling} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode().Type() != fs.ModeSymlink {
			t.Errorf("symlink %s changed: %v", l, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("symlink target created: %v", err)
	}
}

func TestListenUnixRefusesLongPath(t *testing.T) {
	path := filepath.Join(shortTempDir(t), strings.Repeat("x", 120)+".sock")
	if ln, err := ListenUnix(path); err == nil {
		ln.Close()
		t.Fatal("ListenUnix succeeded")
	} else if !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("got %v", err)
	}
}

// TestListenUnixHelperProcess is not a test: it is the child process of
// TestListenUnixLockAcrossProcesses, which holds a socket until killed.
func TestListenUnixHelperProcess(t *testing.T) {
	path := os.Getenv("TRANSPORT_TEST_HELPER_SOCKET")
	if path == "" {
		t.Skip("helper process only")
	}
	ln, err := ListenUnix(path)
	if err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("ready\n")
	// Never returns normally: the parent SIGKILLs us, like a crashed daemon.
	for {
		conn, err := ln.Accept()
		if err != nil {
			os.Exit(1)
		}
		_ = conn.Close()
	}
}

func TestListenUnixLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestListenUnixHelperProcess$")
	cmd.Env = append(os.Environ(), "TRANSPORT_TEST_HELPER_SOCKET="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	if ln, err := ListenUnix(path); !errors.Is(err, ErrDaemonRunning) {
		if err == nil {
			ln.Close()
		}
		t.Fatalf("got %v while the helper holds the lock, want ErrDaemonRunning", err)
	}

	// A daemon killed with SIGKILL leaves its socket behind but not its
	// lock: the next ListenUnix takes over.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("killed helper left no socket behind: %v", err)
	}
	var ln *UnixListener
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err = ListenUnix(path)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("ListenUnix after the helper died: %v", err)
	}
	startServer(t, ln, NewHandler(newFakeBackend(), HandlerOptions{}))
	pingSocket(t, path)
}

func TestCurlAgainstSocket(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	path := serveUnix(t, NewHandler(newFakeBackend("web"), HandlerOptions{}))
	out, err := exec.CommandContext(t.Context(), curl, "-sS", "--max-time", "5", "--unix-socket", path,
		"-X", "POST", "http://superd/v1/services/web/start").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"state":"running"`) {
		t.Fatalf("curl got %s", out)
	}
}

func TestListenUnixGroupOwnGroup(t *testing.T) {
	gid := os.Getegid() // we may always give a file to our own group
	base := shortTempDir(t)
	// The group must be able to go through base: ListenUnixGroup refuses
	// a socket the group cannot reach.
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(base, "run", "superd.sock")
	ln, err := ListenUnixGroup(path, gid)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, ln, NewHandler(newFakeBackend(), HandlerOptions{}))
	for p, mode := range map[string]fs.FileMode{path: fs.ModeSocket | 0o660, filepath.Dir(path): fs.ModeDir | 0o750} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != mode || int(fi.Sys().(*syscall.Stat_t).Gid) != gid {
			t.Errorf("%s: mode %v group %d, want %v group %d", p, fi.Mode(), fi.Sys().(*syscall.Stat_t).Gid, mode, gid)
		}
	}
	pingSocket(t, path)
}
