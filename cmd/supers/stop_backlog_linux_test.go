//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// slowAcceptListener accepts a connection at most every delay, as a
// superd busy elsewhere does.
type slowAcceptListener struct {
	net.Listener
	delay time.Duration
}

func (l slowAcceptListener) Accept() (net.Conn, error) {
	time.Sleep(l.delay)
	return l.Listener.Accept()
}

// listenBacklog listens on a new Unix socket with a listen backlog of
// backlog, as superd does on a system whose net.core.somaxconn is that
// small, and returns the listener and the socket path.
func listenBacklog(t *testing.T, backlog int) (net.Listener, string) {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "superd.sock")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		t.Fatal(err)
	}
	ln, err := net.FileListener(f)
	if err != nil {
		t.Fatal(err)
	}
	return ln, path
}

// supers stop of many services connects for all of them at once. A
// connection the listen backlog has no room for (superd accepts them one
// at a time; net.core.somaxconn is 128 on older kernels) is refused at
// once with EAGAIN: it was never sent, and must be tried again, not end
// the whole command. "supers restart" of 300 services against a superd
// whose backlog was 128 said "cannot reach superd at ...: resource
// temporarily unavailable (is superd running?)" after restarting some of
// them, and exited 1.
func TestStopManyWithSmallListenBacklog(t *testing.T) {
	const n = 20
	var (
		svcs  []transport.ServiceStatus
		names []string
	)
	for i := range n {
		name := fmt.Sprintf("s%02d", i)
		names = append(names, name)
		svcs = append(svcs, transport.ServiceStatus{Name: name, State: transport.StateRunning, PID: 1000 + i})
	}
	b := newFakeBackend(svcs...)
	ln, socket := listenBacklog(t, 1)
	srv := transport.NewServer(transport.NewHandler(b, transport.HandlerOptions{Version: "9.9.9"}))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(slowAcceptListener{Listener: ln, delay: 10 * time.Millisecond}) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})

	res := runAgainst(t, socket, append([]string{"stop"}, names...)...)
	if res.code != exitOK {
		t.Fatalf("stop of %d services: exit %d\nstderr: %s", n, res.code, res.stderr)
	}
	if got := strings.Count(res.stdout, "stopped"); got != n {
		t.Errorf("%d services shown stopped, want %d:\n%s", got, n, res.stdout)
	}
}

// A backlog that stays full (superd accepts nothing: it is frozen) is no
// answer within --timeout, not a superd that is not running.
func TestStopWithBacklogFullUntilTimeout(t *testing.T) {
	ln, socket := listenBacklog(t, 0) // never accepted
	t.Cleanup(func() { _ = ln.Close() })
	// Fill the backlog: connections past it are refused with EAGAIN.
	for {
		conn, err := net.Dial("unix", socket)
		if err != nil {
			if !errors.Is(err, syscall.EAGAIN) {
				t.Fatal(err)
			}
			break
		}
		t.Cleanup(func() { _ = conn.Close() })
	}
	start := time.Now()
	res := runAgainst(t, socket, "--timeout", "300ms", "stop", "a", "b")
	if res.code != exitError || strings.Count(res.stderr, "no answer from superd at "+socket+" within 300ms") != 2 {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and no answer within 300ms for each service", res.code, res.stderr)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("gave up after %v, before --timeout", took)
	}
}
