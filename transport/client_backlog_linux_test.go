package transport

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSocketClientWaitsForAFullBacklog: a socket whose backlog is full
// (superd has not accepted the connections before, as when it serves its
// bound of connections) refuses a connect at once with EAGAIN; the client
// tries again until its context ends, and its request is served once
// superd accepts. The client failed at once: "cannot reach superd ...:
// resource temporarily unavailable (is superd running?)".
func TestSocketClientWaitsForAFullBacklog(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		_ = syscall.Close(fd)
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil { // the smallest backlog
		_ = syscall.Close(fd)
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	ln, err := net.FileListener(f)
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() }) // after the server's own cleanup

	// Nothing accepts: fill the backlog.
	for i := 0; ; i++ {
		c, err := net.Dial("unix", path)
		if errors.Is(err, syscall.EAGAIN) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if i > 100 {
			t.Fatal("the backlog of 0 took 100 connections")
		}
	}

	client := NewClient(path)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = client.Version(ctx)
	var unreachable *UnreachableError
	if errors.As(err, &unreachable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("version with the backlog full for 300ms: %v; want a wait until the deadline, not superd unreachable", err)
	}

	answered := make(chan error, 1)
	go func() {
		_, err := client.Version(t.Context())
		answered <- err
	}()
	startServer(t, ln, NewHandler(newFakeBackend(), HandlerOptions{}))
	select {
	case err := <-answered:
		if err != nil {
			t.Fatalf("version once superd accepts: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer once superd accepts")
	}
}
