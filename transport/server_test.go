package transport

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

func TestSocketPath(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name      string
		getenv    func(string) string
		euid, uid int
		want      string
	}{
		{"SUPERS_SOCKET wins", env("SUPERS_SOCKET", "/x/y.sock", "XDG_RUNTIME_DIR", "/r"), 0, 0, "/x/y.sock"},
		{"root", env("XDG_RUNTIME_DIR", "/r", "TMPDIR", "/t"), 0, 0, "/run/super/superd.sock"},
		{"user with XDG_RUNTIME_DIR", env("XDG_RUNTIME_DIR", "/r", "TMPDIR", "/t"), 1000, 1000, filepath.Join("/r", "super", "superd.sock")},
		{"user with TMPDIR", env("TMPDIR", "/t"), 1000, 1000, filepath.Join("/t", "super-1000", "superd.sock")},
		{"user without either", env(), 1000, 1000, filepath.Join(os.TempDir(), "super-1000", "superd.sock")},
		{"no uid (Windows)", env("TMPDIR", "/t"), -1, -1, filepath.Join("/t", "super", "superd.sock")},
	} {
		if got := socketPath(tc.getenv, tc.euid, tc.uid); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDefaultSocketPathHonoursEnv(t *testing.T) {
	t.Setenv("SUPERS_SOCKET", "/tmp/custom.sock")
	if got := DefaultSocketPath(); got != "/tmp/custom.sock" {
		t.Errorf("got %q", got)
	}
}

func TestNewServerLimits(t *testing.T) {
	srv := NewServer(nil)
	if srv.ReadHeaderTimeout != 5*time.Second || srv.IdleTimeout != time.Minute ||
		srv.MaxHeaderBytes != 16<<10 || srv.WriteTimeout != 0 || srv.ReadTimeout != 30*time.Second {
		t.Errorf("server limits: %+v", srv)
	}
}

// NewServer's ReadTimeout ends a request whose body stalls, and spares a
// followed stream, which outlives it by far: net/http lifts the read
// deadline once the request is read. The timeout is shortened here so that
// the test need not wait 30 s.
func TestReadTimeoutCutsSlowBodiesNotStreams(t *testing.T) {
	const timeout = 100 * time.Millisecond
	fb := newFakeBackend("web")
	fb.live = make(chan notify.Event)
	h, _ := newTestHandler(t, fb)
	srv := NewServer(h)
	srv.ReadTimeout = timeout
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		close(fb.live)
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	url := "http://" + ln.Addr().String()

	// A stream followed for many times the timeout still delivers.
	body, _ := followStream(t, url+"/v1/events?follow=1")
	<-time.After(5 * timeout) // the property under test is a span of time
	live := testEvent(notify.TypeStart, "web", 9)
	fb.live <- live
	if e := readEventLine(t, body); e.ID != live.ID {
		t.Errorf("after %s: got %+v, want the live event", 5*timeout, e)
	}

	// A body that stops half way: the server gives up on the connection.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "PUT /v1/services/web/definition HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n[Service]\n"); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("the stalled request's connection was not closed: %v (read %q)", err, rest)
	}
	if got := fb.callLog(); slices.Contains(got, "put web") {
		t.Errorf("the truncated definition reached the backend: %q", got)
	}
}
