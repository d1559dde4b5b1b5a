package transport

import (
	"net/http"
	"strings"
	"testing"
)

// TestHandlerSignalBodyKeysExact: the signal body is "one JSON object
// with a string "signal" field and nothing else" (SignalRequest has
// additionalProperties: false), so a key in another case, which
// encoding/json would take for "signal", and a repeated key, of which it
// would silently keep the last ({"signal":"HUP","signal":"KILL"} sent
// SIGKILL), are 400s; nothing is sent.
func TestHandlerSignalBodyKeysExact(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
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
