package transport

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestHandlerSignal(t *testing.T) {
	fb := newFakeBackend("web")
	fb.set("web", func(st *ServiceStatus) { st.State, st.PID = StateRunning, 77 })
	h, _ := newTestHandler(t, fb)

	a := serve(t, h, "POST", "/v1/services/web/signal", strings.NewReader(`{"signal":"HUP"}`))
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
	var st ServiceStatus
	a.decode(t, &st)
	if st.Name != "web" || st.PID != 77 {
		t.Errorf("status %+v", st)
	}
	if calls := fb.callLog(); !slices.Equal(calls, []string{"signal web HUP"}) {
		t.Errorf("backend calls %q", calls)
	}
}

func TestHandlerSignalBackendErrors(t *testing.T) {
	fb := newFakeBackend("web", "idle")
	fb.set("web", func(st *ServiceStatus) { st.State = StateRunning })
	h, _ := newTestHandler(t, fb)
	for _, tc := range []struct {
		path, body string
		status     int
		msg        string
	}{
		{"/v1/services/web/signal", `{"signal":"SIGBOGUS"}`, http.StatusBadRequest, `invalid argument: unknown signal "SIGBOGUS"`},
		{"/v1/services/idle/signal", `{"signal":"TERM"}`, http.StatusConflict, "conflict: idle is not running"},
		{"/v1/services/nope/signal", `{"signal":"TERM"}`, http.StatusNotFound, `unknown service "nope"`},
	} {
		a := serve(t, h, "POST", tc.path, strings.NewReader(tc.body))
		if a.status != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.path, tc.body, a.status, tc.status)
			continue
		}
		if msg := a.errorMessage(t); msg != tc.msg {
			t.Errorf("%s %s: message %q, want %q", tc.path, tc.body, msg, tc.msg)
		}
	}
}

func TestHandlerSignalMalformedBody(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty", ``, "empty request body"},
		{"not JSON", `signal=HUP`, "malformed JSON"},
		{"truncated", `{"signal":"HUP"`, "malformed JSON"},
		{"missing field", `{}`, `missing field "signal"`},
		{"null", `null`, `missing field "signal"`},
		{"empty signal", `{"signal":" "}`, `field "signal" is empty`},
		{"unknown field", `{"signal":"HUP","pid":1}`, `unknown field "pid"`},
		{"misspelt field", `{"sig":"HUP"}`, `unknown field "sig"`},
		{"number", `{"signal":9}`, `field "signal" must not be a JSON number`},
		{"array", `["HUP"]`, "want a JSON object, not a JSON array"},
		{"two objects", `{"signal":"HUP"}{"signal":"TERM"}`, "unexpected data after the object"},
		{"trailing garbage", `{"signal":"HUP"} x`, "malformed JSON"},
		// Keys are exact (encoding/json would take "Signal" for "signal")
		// and unique (it would keep the last: HUP then KILL sent SIGKILL).
		{"other case", `{"Signal":"HUP"}`, `unknown field "Signal"`},
		{"upper case", `{"SIGNAL":"KILL"}`, `unknown field "SIGNAL"`},
		{"duplicate", `{"signal":"HUP","signal":"KILL"}`, `duplicate field "signal"`},
		{"duplicate in another case", `{"signal":"HUP","Signal":"KILL"}`, `unknown field "Signal"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := newFakeBackend("web")
			fb.set("web", func(st *ServiceStatus) { st.State = StateRunning })
			h, _ := newTestHandler(t, fb)
			a := serve(t, h, "POST", "/v1/services/web/signal", strings.NewReader(tc.body))
			if a.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400 (body %s)", a.status, a.body)
			}
			msg := a.errorMessage(t)
			if !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, "invalid argument: ") {
				t.Errorf("message %q does not say %q", msg, tc.want)
			}
			if calls := fb.callLog(); len(calls) != 0 {
				t.Errorf("backend called: %q", calls)
			}
		})
	}
}

func TestHandlerSignalBodyTooLarge(t *testing.T) {
	fb := newFakeBackend("web")
	h, _ := newTestHandler(t, fb)
	// No Content-Length: the limit is hit while decoding.
	body := `{"signal":"` + strings.Repeat("H", maxRequestBody) + `"}`
	req := strings.NewReader(body)
	a := serve(t, h, "POST", "/v1/services/web/signal", struct{ *strings.Reader }{req})
	if a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", a.status)
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("backend called: %q", calls)
	}
}

func TestClientSignal(t *testing.T) {
	fb := newFakeBackend("web", "idle")
	fb.set("web", func(st *ServiceStatus) { st.State, st.PID = StateRunning, 77 })
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	st, err := c.Signal(t.Context(), "web", "usr1")
	if err != nil || st.PID != 77 {
		t.Fatalf("Signal: %+v, %v", st, err)
	}
	for _, tc := range []struct {
		name, sig string
		is        error
	}{
		{"web", "BOGUS", ErrInvalidArgument},
		{"web", "", ErrInvalidArgument},
		{"idle", "HUP", ErrConflict},
		{"nope", "HUP", ErrUnknownService},
		{"a/b", "HUP", ErrInvalidArgument},
	} {
		_, err := c.Signal(t.Context(), tc.name, tc.sig)
		if !errors.Is(err, tc.is) {
			t.Errorf("Signal(%q, %q): %v, want %v", tc.name, tc.sig, err, tc.is)
		}
	}
	if calls := fb.callLog(); !slices.Equal(calls, []string{"signal web usr1", "signal web BOGUS", "signal idle HUP", "signal nope HUP"}) {
		t.Errorf("backend calls %q", calls)
	}
}
