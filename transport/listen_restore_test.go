//go:build unix

package transport

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A socket file removed while the daemon runs (by hand, or by a cleaner
// of old files in /tmp) is made again by Restore, with its mode, and served
// by the same listener; a connection accepted before goes on. Restore with
// the socket there does nothing.
func TestRestoreRemovedSocket(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, ln, NewHandler(newFakeBackend(), HandlerOptions{}))
	if made, err := ln.Restore(); made || err != nil {
		t.Fatalf("Restore with the socket there: %v, %v; want nothing done", made, err)
	}
	before, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	// Accepted once it is answered (one still queued on the old socket:
	// TestRestoreKeepsQueuedConnections).
	beforeReader := bufio.NewReader(before)
	askVersion(t, before, beforeReader)

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := NewClient(path).Version(t.Context()); err == nil {
		t.Fatal("the removed socket still answers")
	}
	if made, err := ln.Restore(); !made || err != nil {
		t.Fatalf("Restore: %v, %v; want the socket made again", made, err)
	}
	pingSocket(t, path)
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket made again: %v, %v; want a 0660 socket", fi, err)
	}
	askVersion(t, before, beforeReader)
	if made, err := ln.Restore(); made || err != nil {
		t.Fatalf("second Restore: %v, %v; want nothing done", made, err)
	}
}

// With its whole directory removed, the lock file is gone too: Restore
// makes the directory, takes a new lock (so that a second daemon cannot
// take the path), and the socket; if another process took the new lock
// first, the path is its own and Restore fails with ErrDaemonRunning.
func TestRestoreRemovedDirectory(t *testing.T) {
	base := shortTempDir(t)
	path := filepath.Join(base, "run", "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, ln, NewHandler(newFakeBackend(), HandlerOptions{}))
	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if made, err := ln.Restore(); !made || err != nil {
		t.Fatalf("Restore: %v, %v; want the directory, lock and socket made again", made, err)
	}
	pingSocket(t, path)
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("directory made again: %v, %v; want 0750", fi, err)
	}
	if second, err := ListenUnix(path); !errors.Is(err, ErrDaemonRunning) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("a second listener on the restored path: %v, want ErrDaemonRunning", err)
	}

	// Removed again, and another process takes the new lock first.
	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	lock, err := lockFile(path + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if made, err := ln.Restore(); made || !errors.Is(err, ErrDaemonRunning) {
		t.Fatalf("Restore with the new lock held by another: %v, %v; want ErrDaemonRunning", made, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a socket was made under another's lock: %v", err)
	}
}

// Something else now at the socket's path (another program's socket, a
// file) is an error, and stays; and a closed listener makes nothing.
func TestRestoreRefusesReplacedPathAndClosed(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	other, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	if made, err := ln.Restore(); made || err == nil || !strings.Contains(err.Error(), "replaced by another socket") {
		t.Fatalf("Restore over another program's socket: %v, %v; want an error", made, err)
	}
	if _, err := net.Dial("unix", path); err != nil {
		t.Fatalf("the other program's socket: %v", err)
	}
	other.Close()
	if err := os.WriteFile(path, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if made, err := ln.Restore(); made || err == nil {
		t.Fatalf("Restore over a regular file: %v, %v; want an error", made, err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "mine" {
		t.Fatalf("the file at the path: %q, %v; want it untouched", b, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if made, err := ln.Restore(); made || err != nil {
		t.Fatalf("Restore after Close: %v, %v; want nothing done", made, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a socket was made after Close: %v", err)
	}
}

// The socket's file removed, and something else put at its path since
// (another program's file, or the socket of a second daemon that took the
// path once the directory and its lock file were gone): closing the
// listener (superd's shutdown) leaves it there. It removed whatever file
// the path named.
func TestCloseLeavesAnotherFileAtPath(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		path := filepath.Join(shortTempDir(t), "d.sock")
		ln, err := ListenUnix(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		if made, err := ln.Restore(); made || err == nil {
			t.Fatalf("Restore over a regular file: %v, %v; want an error", made, err)
		}
		if err := ln.Acceptor(nil).Close(); err != nil {
			t.Fatal(err)
		}
		if err := ln.Close(); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "mine" {
			t.Fatalf("the file at the path after Close: %q, %v; want it untouched", b, err)
		}
	})
	t.Run("second daemon", func(t *testing.T) {
		path := filepath.Join(shortTempDir(t), "run", "d.sock")
		first, err := ListenUnix(path)
		if err != nil {
			t.Fatal(err)
		}
		defer first.Close()
		if err := os.RemoveAll(filepath.Dir(path)); err != nil {
			t.Fatal(err)
		}
		second, err := ListenUnix(path)
		if err != nil {
			t.Fatal(err)
		}
		startServer(t, second, NewHandler(newFakeBackend(), HandlerOptions{}))
		if made, err := first.Restore(); made || err == nil {
			t.Fatalf("Restore over the second's socket: %v, %v; want an error", made, err)
		}
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		pingSocket(t, path)
	})
}

// A connection that reached the old socket just before its file was
// removed, not yet accepted, is accepted after Restore, before those of
// the new socket, and served: closing the old socket reset it, and the
// client (a `supers` run at that moment) failed with "connection reset
// by peer".
func TestRestoreKeepsQueuedConnections(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// Nothing accepts yet: these stay in the socket's backlog.
	var queued []net.Conn
	for _, word := range []string{"one", "two"} {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(word)); err != nil {
			t.Fatal(err)
		}
		queued = append(queued, c)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if made, err := ln.Restore(); !made || err != nil {
		t.Fatalf("Restore: %v, %v; want the socket made again", made, err)
	}
	fresh, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}

	accepted := make(chan net.Conn)
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var order []string
	for range 3 {
		select {
		case c := <-accepted:
			defer c.Close()
			buf := make([]byte, 3)
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(c, buf); err != nil {
				t.Fatalf("reading an accepted connection: %v", err)
			}
			order = append(order, string(buf))
			if _, err := c.Write([]byte("ok")); err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			_ = ln.Close()
			t.Fatalf("accepted %q, then nothing: the connections queued on the old socket were lost", order)
		}
	}
	if got := strings.Join(order, ","); got != "one,two,new" {
		t.Errorf("accepted in the order %s, want one,two,new (the old socket's first)", got)
	}
	for i, c := range append(queued, fresh) {
		buf := make([]byte, 2)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ok" {
			t.Errorf("client %d: read %q, %v; want the server's answer", i, buf, err)
		}
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	for range accepted {
	}
}

// A request sent on a connection still queued on the old socket when
// Restore replaced it is answered by the server (its peer's credentials
// read from the connection Restore took over, as from any other).
func TestRestoreServesQueuedRequest(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	queued, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer queued.Close()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if made, err := ln.Restore(); !made || err != nil {
		t.Fatalf("Restore: %v, %v; want the socket made again", made, err)
	}
	startServer(t, ln, NewHandler(newFakeBackend(), HandlerOptions{}))
	_ = queued.SetDeadline(time.Now().Add(10 * time.Second))
	askVersion(t, queued, bufio.NewReader(queued))
	pingSocket(t, path)
}

// askVersion asks for the version on conn, whose answers r reads, and
// fails unless the answer is a 200.
func askVersion(t *testing.T, conn net.Conn, r *bufio.Reader) {
	t.Helper()
	if _, err := conn.Write([]byte("GET /v1/version HTTP/1.1\r\nHost: superd\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the connection accepted before: %s, %v", resp.Status, err)
	}
}

// Restore racing Accept, clients and Close: no data race (under -race),
// Serve returns once the listener is closed, and nothing is left at the
// path after Close, whichever came last.
func TestRestoreRacesAcceptAndClose(t *testing.T) {
	for range 20 {
		path := filepath.Join(shortTempDir(t), "run", "d.sock")
		ln, err := ListenUnix(path)
		if err != nil {
			t.Fatal(err)
		}
		srv := NewServer(NewHandler(newFakeBackend(), HandlerOptions{}))
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln.Acceptor(nil)) }()
		var wg sync.WaitGroup
		half := make(chan struct{})
		wg.Go(func() {
			for i := range 20 {
				if i == 10 {
					close(half)
				}
				_ = os.RemoveAll(filepath.Dir(path))
				_, _ = ln.Restore()
			}
		})
		wg.Go(func() {
			for range 20 {
				_, _ = NewClient(path).Version(t.Context())
			}
		})
		wg.Go(func() {
			<-half
			_ = srv.Close()
		})
		wg.Wait()
		select {
		case err := <-served:
			if !errors.Is(err, http.ErrServerClosed) {
				t.Fatalf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return once closed")
		}
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Fatal(err)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("after Close, the path: %v; want nothing", err)
		}
	}
}
