//go:build unix

package transport

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestAcceptorCloseKeepsLock: an http.Server shut down on l.Acceptor(nil)
// stops listening and removes the socket, but the lock stays held (a
// second daemon is refused) until l.Close.
func TestAcceptorCloseKeepsLock(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "s.sock")
	l, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := NewServer(http.NotFoundHandler())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l.Acceptor(nil)) }()
	if err := srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket still there after the server's shutdown: %v", err)
	}
	if l2, err := ListenUnix(path); !errors.Is(err, ErrDaemonRunning) {
		if err == nil {
			_ = l2.Close()
		}
		t.Fatalf("second ListenUnix while the first holds the lock: %v, want ErrDaemonRunning", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	l2, err := ListenUnix(path)
	if err != nil {
		t.Fatalf("ListenUnix after Close: %v", err)
	}
	_ = l2.Close()
}
