package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// badKey is a ConfigError as a backend reports a file with a misspelt key.
var badKey = ConfigError{
	File:    "/etc/super/bad.service",
	Line:    3,
	Message: "/etc/super/bad.service:3: [Service] Restrat: unknown key (did you mean Restart?)",
}

func TestHandlerReload(t *testing.T) {
	fb := newFakeBackend()
	fb.reload = ReloadResult{
		Added:   []string{"worker", "web"},
		Removed: []string{"old"},
		Changed: []string{"b", "a", "c"},
		// Unchanged, Errors and Warnings are nil: they go out as [].
	}
	h, _ := newTestHandler(t, fb)
	a := serve(t, h, "POST", "/v1/reload", nil)
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
	want := `{"added":["web","worker"],"removed":["old"],"changed":["a","b","c"],"unchanged":[],"errors":[],"warnings":[],"webhooks_reloaded":false}`
	if got := strings.TrimSpace(string(a.body)); got != want {
		t.Errorf("body %s\nwant %s", got, want)
	}
	// Sorting works on a copy: the backend's slices are its own.
	if !slices.Equal(fb.reload.Added, []string{"worker", "web"}) {
		t.Errorf("backend's slice modified: %q", fb.reload.Added)
	}
	if calls := fb.callLog(); !slices.Equal(calls, []string{"reload "}) {
		t.Errorf("backend calls %q", calls)
	}

	fb.reload = ReloadResult{Unchanged: []string{"web"}, Errors: []ConfigError{badKey}}
	a = serve(t, h, "POST", "/v1/reload", nil)
	var got ReloadResult
	a.decode(t, &got)
	if len(got.Errors) != 1 || got.Errors[0] != badKey || !slices.Equal(got.Unchanged, []string{"web"}) ||
		got.Added == nil || got.Removed == nil || got.Changed == nil {
		t.Errorf("got %+v", got)
	}
}

func TestHandlerReloadEmpty(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend())
	a := serve(t, h, "POST", "/v1/reload", nil)
	want := `{"added":[],"removed":[],"changed":[],"unchanged":[],"errors":[],"warnings":[],"webhooks_reloaded":false}`
	if got := strings.TrimSpace(string(a.body)); a.status != http.StatusOK || got != want {
		t.Errorf("status %d, body %s\nwant 200 %s", a.status, got, want)
	}
}

func TestHandlerCheckConfig(t *testing.T) {
	fb := newFakeBackend("web")
	h, _ := newTestHandler(t, fb)

	a := serve(t, h, "POST", "/v1/config/check", nil)
	if got := strings.TrimSpace(string(a.body)); a.status != http.StatusOK || got != `{"errors":[]}` {
		t.Errorf("status %d, body %s; want 200 {\"errors\":[]}", a.status, got)
	}

	fb.check = []ConfigError{badKey, {File: "/etc/super/x.service", Message: "/etc/super/x.service: permission denied"}}
	a = serve(t, h, "POST", "/v1/config/check", nil)
	var got ConfigErrors
	a.decode(t, &got)
	if a.status != http.StatusOK || !slices.Equal(got.Errors, fb.check) {
		t.Fatalf("status %d, got %+v", a.status, got)
	}
	// Checking is not GET /v1/config/errors: the backend was asked to check.
	if calls := fb.callLog(); !slices.Equal(calls, []string{"check ", "check "}) {
		t.Errorf("backend calls %q", calls)
	}
}

func TestClientReload(t *testing.T) {
	fb := newFakeBackend()
	fb.reload = ReloadResult{
		Added:     []string{"worker", "web"},
		Removed:   []string{"old"},
		Unchanged: []string{"z", "y"},
		Errors:    []ConfigError{badKey},
	}
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))
	got, err := c.Reload(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Added, []string{"web", "worker"}) || !slices.Equal(got.Removed, []string{"old"}) ||
		got.Changed == nil || len(got.Changed) != 0 || !slices.Equal(got.Unchanged, []string{"y", "z"}) ||
		!slices.Equal(got.Errors, []ConfigError{badKey}) {
		t.Errorf("got %+v", got)
	}
	if calls := fb.callLog(); !slices.Equal(calls, []string{"reload "}) {
		t.Errorf("backend calls %q", calls)
	}
}

func TestClientNormalisesNulls(t *testing.T) {
	// A daemon that does not normalise (or a proxy that drops fields): the
	// client still hands out empty lists, sorted.
	c := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/reload":
			_, _ = w.Write([]byte(`{"added":null,"removed":["b","a"]}`))
		default:
			_, _ = w.Write([]byte(`{"errors":null}`))
		}
	})))
	res, err := c.Reload(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Added == nil || res.Changed == nil || res.Unchanged == nil || res.Errors == nil ||
		!slices.Equal(res.Removed, []string{"a", "b"}) {
		t.Errorf("Reload: %#v", res)
	}
	errs, err := c.CheckConfig(t.Context())
	if err != nil || errs == nil || len(errs) != 0 {
		t.Errorf("CheckConfig: %#v, %v", errs, err)
	}
}

func TestClientCheckConfig(t *testing.T) {
	fb := newFakeBackend()
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))
	errs, err := c.CheckConfig(t.Context())
	if err != nil || errs == nil || len(errs) != 0 {
		t.Fatalf("no errors: %#v, %v", errs, err)
	}
	fb.mu.Lock()
	fb.check = []ConfigError{badKey}
	fb.mu.Unlock()
	errs, err = c.CheckConfig(t.Context())
	if err != nil || !slices.Equal(errs, []ConfigError{badKey}) {
		t.Fatalf("got %+v, %v", errs, err)
	}
}

func TestClientConfigUnavailable(t *testing.T) {
	fb := newFakeBackend("web")
	unavailable := fmt.Errorf("%w: reading /etc/super: no such file or directory", ErrConfigUnavailable)
	fb.errs[""] = unavailable
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	_, reloadErr := c.Reload(t.Context())
	_, checkErr := c.CheckConfig(t.Context())
	for name, err := range map[string]error{"Reload": reloadErr, "CheckConfig": checkErr} {
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s: %T %v, want APIError 503", name, err, err)
		}
		if !errors.Is(err, ErrConfigUnavailable) {
			t.Errorf("%s: %v does not match ErrConfigUnavailable", name, err)
		}
		// superd serves requests: not ErrUnavailable (it matched both).
		for _, other := range []error{ErrUnknownService, ErrInvalidArgument, ErrConflict, ErrUnavailable} {
			if errors.Is(err, other) {
				t.Errorf("%s: %v matches %v", name, err, other)
			}
		}
		if err.Error() != unavailable.Error() {
			t.Errorf("%s: message %q, want %q", name, err, unavailable)
		}
	}

	// A 503 to another request (superd shutting down) is not about the
	// configuration.
	fb.mu.Lock()
	fb.errs[""] = fmt.Errorf("shutting down: %w", context.Canceled)
	fb.mu.Unlock()
	_, err := c.List(t.Context())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || errors.Is(err, ErrConfigUnavailable) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("List: %v, want a 503 that matches ErrUnavailable, not ErrConfigUnavailable", err)
	}
	// Nor is one to a configuration request: it matched
	// ErrConfigUnavailable ("the directory cannot be read") too.
	_, err = c.Reload(t.Context())
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrConfigUnavailable) {
		t.Errorf("Reload while shutting down: %v, want ErrUnavailable only", err)
	}
}

func TestClientReloadFromOlderDaemon(t *testing.T) {
	// A daemon without the routes answers 404: an API error, not an unknown
	// service.
	h := NewHandler(newFakeBackend(), HandlerOptions{})
	older := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/reload" || r.URL.Path == "/v1/config/check" {
			r.URL.Path = "/v1/no-such-route"
		}
		h.ServeHTTP(w, r)
	})
	c := NewClient(serveUnix(t, older))
	_, reloadErr := c.Reload(t.Context())
	_, checkErr := c.CheckConfig(t.Context())
	for _, err := range []error{reloadErr, checkErr} {
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound ||
			errors.Is(err, ErrUnknownService) || errors.Is(err, ErrConfigUnavailable) {
			t.Errorf("got %v, want a plain APIError 404", err)
		}
	}
}

func TestClientConfigChanged(t *testing.T) {
	fb := newFakeBackend("web", "db")
	fb.set("web", func(st *ServiceStatus) { st.ConfigChanged = true })
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))
	list, err := c.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "db" || list[0].ConfigChanged || !list[1].ConfigChanged {
		t.Errorf("got %+v", list)
	}
}
