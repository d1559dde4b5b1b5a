package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shortTempDir returns a fresh directory with a short path (Unix socket
// paths are limited to ~104 bytes; t.TempDir() can be longer).
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// serveUnix serves h on a new socket in a short temp dir and returns the
// socket path. The server is shut down when the test ends.
func serveUnix(t *testing.T, h http.Handler) string {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "superd.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, ln, h)
	return path
}

func startServer(t *testing.T, ln net.Listener, h http.Handler) {
	t.Helper()
	srv := NewServer(h)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

func TestClientRoundTrip(t *testing.T) {
	fb := newFakeBackend("web", "db")
	started := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	code := 3
	fb.set("db", func(st *ServiceStatus) {
		st.State, st.PID, st.StartedAt, st.UptimeSeconds, st.Restarts = StateRunning, 77, &started, 12.5, 2
		st.LastExit = &ExitInfo{Code: &code, Time: started, Expected: false}
	})
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{Version: "v9"})))
	ctx := t.Context()

	list, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "db" || list[0].PID != 77 || !list[0].StartedAt.Equal(started) ||
		list[0].UptimeSeconds != 12.5 || list[0].Restarts != 2 || list[0].LastExit.String() != "exit 3" {
		t.Fatalf("List: %+v", list)
	}

	st, err := c.Status(ctx, "web")
	if err != nil || st.Name != "web" || st.State != StateStopped || st.LastExit != nil {
		t.Fatalf("Status: %+v, %v", st, err)
	}
	if st, err = c.Start(ctx, "web"); err != nil || st.State != StateRunning || st.PID != 4242 {
		t.Fatalf("Start: %+v, %v", st, err)
	}
	if st, err = c.Restart(ctx, "web"); err != nil || st.PID != 4343 || st.Restarts != 1 {
		t.Fatalf("Restart: %+v, %v", st, err)
	}
	if st, err = c.Stop(ctx, "web"); err != nil || st.State != StateStopped || st.LastExit.String() != "signal SIGTERM" {
		t.Fatalf("Stop: %+v, %v", st, err)
	}
	v, err := c.Version(ctx)
	if err != nil || v.Version != "v9" || v.GoVersion == "" {
		t.Fatalf("Version: %+v, %v", v, err)
	}
	cfgErrs, err := c.ConfigErrors(ctx)
	if err != nil || len(cfgErrs) != 0 {
		t.Fatalf("ConfigErrors: %+v, %v", cfgErrs, err)
	}
	want := []string{"list ", "status web", "start web", "restart web", "stop web", "config-errors "}
	if got := fb.callLog(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("backend calls %q, want %q", got, want)
	}
}

func TestClientConfigErrors(t *testing.T) {
	fb := newFakeBackend("web")
	fb.cfgErrs = []ConfigError{
		{File: "/etc/super/bad.service", Line: 3, Message: "/etc/super/bad.service:3: [Service] Restrat: unknown key"},
		{File: "/etc/super/gone.service", Message: "open /etc/super/gone.service: permission denied"},
	}
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))
	got, err := c.ConfigErrors(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != fb.cfgErrs[0] || got[1] != fb.cfgErrs[1] {
		t.Fatalf("got %+v, want %+v", got, fb.cfgErrs)
	}

	fb.errs[""] = errors.New("config dir vanished")
	_, err = c.ConfigErrors(t.Context())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError || apiErr.Message != "config dir vanished" {
		t.Fatalf("got %v, want APIError 500", err)
	}
}

func TestClientConfigErrorsFromOlderDaemon(t *testing.T) {
	// A daemon without the route answers 404: an API error, not an unknown
	// service.
	c := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such route: GET "+r.URL.Path)
	})))
	_, err := c.ConfigErrors(t.Context())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || errors.Is(err, ErrUnknownService) {
		t.Fatalf("got %v, want APIError 404 not matching ErrUnknownService", err)
	}
}

func TestClientServiceNamesAreEscaped(t *testing.T) {
	fb := newFakeBackend("my svc", "a%b", "é?#")
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))
	for _, name := range []string{"my svc", "a%b", "é?#"} {
		st, err := c.Start(t.Context(), name)
		if err != nil || st.Name != name {
			t.Errorf("Start(%q): %+v, %v", name, st, err)
		}
	}
}

func TestClientRejectsPathLikeNames(t *testing.T) {
	fb := newFakeBackend()
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))
	for _, name := range []string{"", ".", "..", "a/b", "../healthz"} {
		_, err := c.Stop(t.Context(), name)
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Stop(%q): %v, want ErrInvalidArgument", name, err)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("requests sent: %q", calls)
	}
}

func TestClientErrors(t *testing.T) {
	fb := newFakeBackend("web", "busy", "bad", "broken")
	fb.errs["busy"] = fmt.Errorf("%w: busy is stopping", ErrConflict)
	fb.errs["bad"] = fmt.Errorf("%w: bad name", ErrInvalidArgument)
	fb.errs["broken"] = errors.New("kaputt")
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	for _, tc := range []struct {
		name   string
		status int
		is     error
		msg    string
	}{
		{"nope", http.StatusNotFound, ErrUnknownService, `unknown service "nope"`},
		{"busy", http.StatusConflict, ErrConflict, "conflict: busy is stopping"},
		{"bad", http.StatusBadRequest, ErrInvalidArgument, "invalid argument: bad name"},
		{"broken", http.StatusInternalServerError, nil, "kaputt"},
	} {
		_, err := c.Restart(t.Context(), tc.name)
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("%s: %T %v, want *APIError", tc.name, err, err)
		}
		if apiErr.StatusCode != tc.status || apiErr.Message != tc.msg || apiErr.Error() != tc.msg || apiErr.Service != tc.name {
			t.Errorf("%s: %+v", tc.name, apiErr)
		}
		for _, sentinel := range []error{ErrUnknownService, ErrConflict, ErrInvalidArgument} {
			if got := errors.Is(err, sentinel); got != (sentinel == tc.is) {
				t.Errorf("%s: errors.Is(%v) = %v", tc.name, sentinel, got)
			}
		}
	}
}

func TestClientNotFoundRouteIsNotUnknownService(t *testing.T) {
	// A daemon without /v1/version answers 404: that is not about a service.
	c := NewClient(serveUnix(t, http.NotFoundHandler()))
	_, err := c.Version(t.Context())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("got %v", err)
	}
	if errors.Is(err, ErrUnknownService) {
		t.Error("404 on /v1/version matches ErrUnknownService")
	}
	// The body was not JSON but plain text: the message is the status and
	// that text.
	if got := err.Error(); got != "superd answered 404 Not Found: 404 page not found" {
		t.Errorf("message %q", got)
	}
}

// An answer that is not superd's (supers --url pointed at another server)
// is not taken for superd's: a 404 to a request about a service was
// "unknown service", and the text of a plain-text answer (Go's to plain
// HTTP on a TLS port) was dropped.
func TestClientAnswerOfAnotherServer(t *testing.T) {
	html := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<!DOCTYPE html><title>Error</title><p>File not found"))
	})))
	_, err := html.Status(t.Context(), "web")
	if errors.Is(err, ErrUnknownService) {
		t.Errorf("an HTML 404 matches ErrUnknownService: %v", err)
	}
	if got, want := fmt.Sprint(err), "what answers at "+html.Target()+" does not speak superd's API (it answered 404 Not Found without superd's JSON error)"; got != want {
		t.Errorf("HTML 404: %q, want %q", got, want)
	}
	plain := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Client sent an HTTP request to an HTTPS server.\x1b[2J", http.StatusBadRequest)
	})))
	_, err = plain.Status(t.Context(), "web")
	if got, want := fmt.Sprint(err), "superd answered 400 Bad Request: Client sent an HTTP request to an HTTPS server.[2J"; got != want {
		t.Errorf("plain-text 400: %q, want %q", got, want)
	}
	// superd's own 404 is an unknown service.
	own := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, `unknown service "web"`)
	})))
	if _, err := own.Status(t.Context(), "web"); !errors.Is(err, ErrUnknownService) || err.Error() != `unknown service "web"` {
		t.Errorf("superd's 404: %v", err)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	c := NewClient(serveUnix(t, http.RedirectHandler("/v1/services/other", http.StatusMovedPermanently)))
	_, err := c.Stop(t.Context(), "web")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusMovedPermanently {
		t.Fatalf("got %v, want APIError 301", err)
	}
}

func TestClientMalformedAnswer(t *testing.T) {
	c := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("not json"))
	})))
	_, err := c.List(t.Context())
	if err == nil || !strings.Contains(err.Error(), "decoding answer") {
		t.Fatalf("got %v", err)
	}
}

func TestClientUnreachable(t *testing.T) {
	dir := shortTempDir(t)

	missing := filepath.Join(dir, "missing.sock")
	_, err := NewClient(missing).List(t.Context())
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.Socket != missing {
		t.Fatalf("got %T %v, want *UnreachableError", err, err)
	}
	want := "cannot reach superd at " + missing + ": no such file or directory (is superd running?)"
	if err.Error() != want {
		t.Errorf("message %q\nwant    %q", err.Error(), want)
	}

	// A socket file nobody listens on (a daemon that died).
	dead := filepath.Join(dir, "dead.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: dead, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	_ = ln.Close()
	_, err = NewClient(dead).Status(t.Context(), "web")
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("got %v, want unreachable/connection refused", err)
	}
}

func TestClientHonoursContext(t *testing.T) {
	fb := newFakeBackend("web")
	fb.block = true
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Stop(ctx, "web")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	var ue *UnreachableError
	if errors.As(err, &ue) {
		t.Fatalf("timeout reported as unreachable: %v", err)
	}
	// The backend saw the request's context end when the client gave up.
	select {
	case ctxErr := <-fb.ctxErrs:
		if !errors.Is(ctxErr, context.Canceled) {
			t.Errorf("backend ctx error %v", ctxErr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("backend call was not canceled")
	}
}
