package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestHandler(t *testing.T, b Backend) (http.Handler, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return NewHandler(b, HandlerOptions{Logger: logger, Version: "1.2.3"}), logs
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func serve(t *testing.T, h http.Handler, method, target string, body io.Reader) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decoding %q: %v", a.body, err)
	}
}

func (a answer) errorMessage(t *testing.T) string {
	t.Helper()
	var eb ErrorBody
	a.decode(t, &eb)
	if eb.Error == "" {
		t.Fatalf("error body %q has no message", a.body)
	}
	return eb.Error
}

func TestHandlerList(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend("web", "db"))
	a := serve(t, h, "GET", "/v1/services", nil)
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
	var got []ServiceStatus
	a.decode(t, &got)
	if len(got) != 2 || got[0].Name != "db" || got[1].Name != "web" || got[1].Description != "the web service" {
		t.Fatalf("got %+v", got)
	}
}

func TestHandlerListEmptyIsArray(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend())
	a := serve(t, h, "GET", "/v1/services", nil)
	if a.status != http.StatusOK || strings.TrimSpace(string(a.body)) != "[]" {
		t.Fatalf("status %d, body %q; want 200 []", a.status, a.body)
	}
}

func TestHandlerServiceRoutes(t *testing.T) {
	for _, tc := range []struct {
		method, path, call, state string
	}{
		{"GET", "/v1/services/web", "status web", StateStopped},
		{"POST", "/v1/services/web/start", "start web", StateRunning},
		{"POST", "/v1/services/web/stop", "stop web", StateStopped},
		{"POST", "/v1/services/web/restart", "restart web", StateRunning},
		{"GET", "/v1/services/my%20svc", "status my svc", StateStopped},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			fb := newFakeBackend("web", "my svc")
			h, _ := newTestHandler(t, fb)
			a := serve(t, h, tc.method, tc.path, nil)
			if a.status != http.StatusOK {
				t.Fatalf("status %d, body %s", a.status, a.body)
			}
			var st ServiceStatus
			a.decode(t, &st)
			if st.State != tc.state {
				t.Errorf("state %q, want %q", st.State, tc.state)
			}
			if calls := fb.callLog(); len(calls) != 1 || calls[0] != tc.call {
				t.Errorf("backend calls %q, want [%q]", calls, tc.call)
			}
		})
	}
}

func TestHandlerErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{fmt.Errorf("%w %q", ErrUnknownService, "web"), http.StatusNotFound},
		{fmt.Errorf("%w: name too long", ErrInvalidArgument), http.StatusBadRequest},
		{fmt.Errorf("%w: web is stopping", ErrConflict), http.StatusConflict},
		{fmt.Errorf("%w: reading /etc/super: permission denied", ErrConfigUnavailable), http.StatusServiceUnavailable},
		{fmt.Errorf("waiting for web: %w", context.DeadlineExceeded), http.StatusGatewayTimeout},
		{fmt.Errorf("supervisor shutting down: %w", context.Canceled), http.StatusServiceUnavailable},
		{errors.New("disk on fire"), http.StatusInternalServerError},
	} {
		for _, route := range []struct{ method, path, name string }{
			{"GET", "/v1/services", ""},
			{"GET", "/v1/services/web", "web"},
			{"POST", "/v1/services/web/start", "web"},
			{"POST", "/v1/services/web/stop", "web"},
			{"POST", "/v1/services/web/restart", "web"},
			{"GET", "/v1/config/errors", ""},
			{"POST", "/v1/config/check", ""},
			{"POST", "/v1/reload", ""},
		} {
			t.Run(fmt.Sprintf("%d %s %s", tc.status, route.method, route.path), func(t *testing.T) {
				fb := newFakeBackend("web")
				fb.errs[route.name] = tc.err
				h, logs := newTestHandler(t, fb)
				a := serve(t, h, route.method, route.path, nil)
				if a.status != tc.status {
					t.Fatalf("status %d, want %d (body %s)", a.status, tc.status, a.body)
				}
				if msg := a.errorMessage(t); msg != tc.err.Error() {
					t.Errorf("message %q, want %q", msg, tc.err.Error())
				}
				logged := strings.Contains(logs.String(), "level=ERROR")
				if want := tc.status == http.StatusInternalServerError; logged != want {
					t.Errorf("error logged = %v, want %v; logs:\n%s", logged, want, logs)
				}
			})
		}
	}
}

func TestHandlerUnknownServiceFromBackend(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend("web"))
	a := serve(t, h, "POST", "/v1/services/nope/start", nil)
	if a.status != http.StatusNotFound {
		t.Fatalf("status %d", a.status)
	}
	if msg := a.errorMessage(t); msg != `unknown service "nope"` {
		t.Errorf("message %q", msg)
	}
}

func TestHandlerConfigErrors(t *testing.T) {
	fb := newFakeBackend("web")
	h, _ := newTestHandler(t, fb)

	// None: an empty array, never null.
	a := serve(t, h, "GET", "/v1/config/errors", nil)
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
	if got := strings.TrimSpace(string(a.body)); got != `{"errors":[]}` {
		t.Errorf("body %s, want {\"errors\":[]}", got)
	}

	fb.cfgErrs = []ConfigError{
		{File: "/etc/super/bad.service", Line: 3, Message: "/etc/super/bad.service:3: [Service] Restrat: unknown key"},
		{File: "/etc/super/gone.service", Message: "open /etc/super/gone.service: permission denied"},
	}
	a = serve(t, h, "GET", "/v1/config/errors", nil)
	var got ConfigErrors
	a.decode(t, &got)
	if a.status != http.StatusOK || len(got.Errors) != 2 || got.Errors[0] != fb.cfgErrs[0] || got.Errors[1] != fb.cfgErrs[1] {
		t.Fatalf("status %d, got %+v", a.status, got)
	}
	// Line 0 (unknown) is left out.
	if strings.Count(string(a.body), `"line"`) != 1 {
		t.Errorf("body %s", a.body)
	}
	if calls := fb.callLog(); len(calls) != 2 || calls[0] != "config-errors " {
		t.Errorf("backend calls %q", calls)
	}
}

func TestHandlerVersionAndHealth(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend())
	a := serve(t, h, "GET", "/v1/version", nil)
	var v VersionInfo
	a.decode(t, &v)
	if a.status != http.StatusOK || v.Version != "1.2.3" || v.GoVersion != runtime.Version() {
		t.Fatalf("status %d, version %+v", a.status, v)
	}

	a = serve(t, h, "GET", "/healthz", nil)
	var health map[string]string
	a.decode(t, &health)
	if a.status != http.StatusOK || health["status"] != "ok" || len(health) != 1 {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
}

func TestHandlerNotFoundIsJSON(t *testing.T) {
	fb := newFakeBackend("web")
	h, _ := newTestHandler(t, fb)
	for _, target := range []string{
		"/", "/v2/services", "/v1/services/web/frobnicate", "/v1/services/web/start/now", "/v1/servicesx",
	} {
		a := serve(t, h, "POST", target, nil)
		if a.status != http.StatusNotFound {
			t.Errorf("POST %s: status %d, want 404", target, a.status)
			continue
		}
		if msg := a.errorMessage(t); !strings.Contains(msg, target) {
			t.Errorf("POST %s: message %q does not name the path", target, msg)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("backend called: %q", calls)
	}
}

func TestHandlerMethodNotAllowedIsJSON(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend("web"))
	for _, tc := range []struct{ method, path, allow string }{
		{"POST", "/v1/services", "GET, HEAD"},
		{"DELETE", "/v1/services/web", "GET, HEAD"},
		{"GET", "/v1/services/web/start", "POST"},
		{"PUT", "/v1/services/web/restart", "POST"},
		{"POST", "/healthz", "GET, HEAD"},
		{"DELETE", "/v1/config/errors", "GET, HEAD"},
		{"GET", "/v1/config/check", "POST"},
		{"GET", "/v1/reload", "POST"},
		{"GET", "/v1/services/web/signal", "POST"},
		{"POST", "/v1/services/web/logs", "GET, HEAD"},
		{"POST", "/v1/openapi.json", "GET, HEAD"},
		{"OPTIONS", "/v1/services", "GET, HEAD"},
	} {
		a := serve(t, h, tc.method, tc.path, nil)
		if a.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: status %d, want 405", tc.method, tc.path, a.status)
			continue
		}
		if got := a.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
		if msg := a.errorMessage(t); !strings.Contains(msg, tc.method) {
			t.Errorf("%s %s: message %q", tc.method, tc.path, msg)
		}
	}
}

func TestHandlerRejectsLargeBody(t *testing.T) {
	fb := newFakeBackend("web")
	h, _ := newTestHandler(t, fb)
	a := serve(t, h, "POST", "/v1/services/web/start", bytes.NewReader(make([]byte, maxRequestBody+1)))
	if a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", a.status)
	}
	a.errorMessage(t)
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("backend called: %q", calls)
	}
	// A small body is refused too: the route takes none, and ignored, it
	// could ask for what the action does not do ({"dry_run": true}).
	for _, body := range []string{"{}", `{"dry_run":true}`} {
		if a := serve(t, h, "POST", "/v1/reload", strings.NewReader(body)); a.status != http.StatusBadRequest || !strings.Contains(a.errorMessage(t), "takes no request body") {
			t.Fatalf("body %q to /v1/reload: status %d", body, a.status)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("backend called: %q", calls)
	}
}

func TestHandlerRecoversPanics(t *testing.T) {
	fb := newFakeBackend("web")
	fb.panicOn = "stop"
	h, logs := newTestHandler(t, fb)
	a := serve(t, h, "POST", "/v1/services/web/stop", nil)
	if a.status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", a.status)
	}
	if msg := a.errorMessage(t); msg != "internal error" {
		t.Errorf("message %q", msg)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "fake backend panics in stop") {
		t.Errorf("panic not logged:\n%s", l)
	}
	// The handler keeps working.
	if a := serve(t, h, "GET", "/v1/services/web", nil); a.status != http.StatusOK {
		t.Fatalf("after panic: status %d", a.status)
	}
}

func TestHandlerLogsRequestsAtDebug(t *testing.T) {
	h, logs := newTestHandler(t, newFakeBackend("web"))
	serve(t, h, "GET", "/v1/services/nope", nil)
	l := logs.String()
	for _, want := range []string{"level=DEBUG", "method=GET", "path=/v1/services/nope", "status=404"} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
}

func TestHandlerNilLogger(t *testing.T) {
	h := NewHandler(newFakeBackend("web"), HandlerOptions{})
	if a := serve(t, h, "GET", "/v1/services/web", nil); a.status != http.StatusOK {
		t.Fatalf("status %d", a.status)
	}
}

func TestExitInfoString(t *testing.T) {
	three := 3
	for _, tc := range []struct {
		e    *ExitInfo
		want string
	}{
		{nil, ""},
		{&ExitInfo{Code: &three}, "exit 3"},
		{&ExitInfo{Signal: "SIGKILL"}, "signal SIGKILL"},
		{&ExitInfo{}, "exit unknown"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestServiceStatusJSONShape(t *testing.T) {
	zero := 0
	b, err := json.Marshal(ServiceStatus{Name: "a", State: StateExited, LastExit: &ExitInfo{Code: &zero}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"name", "state", "pid", "description", "uptime_seconds", "restarts", "last_exit"} {
		if _, ok := m[key]; !ok {
			t.Errorf("%s lacks %q", b, key)
		}
	}
	for _, key := range []string{"started_at", "error", "next_attempt_ms", "config_changed"} {
		if _, ok := m[key]; ok {
			t.Errorf("%s has empty %q", b, key)
		}
	}
	if code := m["last_exit"].(map[string]any)["code"]; code != 0.0 {
		t.Errorf("exit code 0 lost: %s", b)
	}
	b, _ = json.Marshal(ServiceStatus{})
	if !strings.Contains(string(b), `"last_exit":null`) {
		t.Errorf("last_exit not null: %s", b)
	}
	b, _ = json.Marshal(ServiceStatus{ConfigChanged: true})
	if !strings.Contains(string(b), `"config_changed":true`) {
		t.Errorf("config_changed missing: %s", b)
	}
}
