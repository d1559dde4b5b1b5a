//go:build unix

package transport

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestListenUnixRefusesLiveSocket: a socket at the path with no superd's
// lock beside it is stale only if nothing listens on it. Another
// program's live socket (a --socket typo pointing at it) must not be
// removed and taken over.
func TestListenUnixRefusesLiveSocket(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "app.sock")
	other, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}

	ln, err := ListenUnix(path)
	if err == nil {
		ln.Close()
		t.Fatal("ListenUnix took over a live socket")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "listening") {
		t.Errorf("error %q does not explain", err)
	}
	if errors.Is(err, ErrDaemonRunning) {
		t.Errorf("reported as ErrDaemonRunning: %v", err)
	}
	after, err := os.Lstat(path)
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("the other program's socket was replaced or removed: %v", err)
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("the other program's socket no longer answers: %v", err)
	}
	conn.Close()
}

// TestClientNotSocket: a client pointed at a directory or a regular file
// is told that the path is not a socket, not asked whether superd runs;
// ListenUnix says what the path is in words.
func TestClientNotSocket(t *testing.T) {
	dir := shortTempDir(t)
	file := filepath.Join(dir, "file.sock")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir.sock")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	// A FIFO: the client said "connection refused (is superd running?)".
	fifo := filepath.Join(dir, "fifo.sock")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{file: "regular file", sub: "directory", fifo: "named pipe"} {
		_, err := NewClient(path).Version(t.Context())
		var ue *UnreachableError
		if !errors.As(err, &ue) {
			t.Fatalf("%s: got %v, want an *UnreachableError", path, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "is a "+kind+", not a socket") || strings.Contains(msg, "is superd running") {
			t.Errorf("%s: client says %q", path, msg)
		}
		ln, err := ListenUnix(path)
		if err == nil {
			ln.Close()
			t.Fatalf("%s: ListenUnix succeeded", path)
		}
		if !strings.Contains(err.Error(), "is a "+kind+", not a socket") {
			t.Errorf("%s: ListenUnix says %q", path, err)
		}
	}
}
