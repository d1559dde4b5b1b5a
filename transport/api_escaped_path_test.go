package transport

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// A service name with an escaped "/" or ".." (a script's variable put in
// the path as is) is the name the route gets, which superd refuses as a
// name: the path is judged clean as the mux routes it, escaped. It was
// judged decoded: "/v1/services/..%2Fweb" was a 404 suggesting
// "/v1/web", a route the client never named, and
// "/v1/services/web%2F..%2F..%2Freload" one suggesting "/v1/reload".
func TestHandlerEscapedSlashIsAName(t *testing.T) {
	for _, tc := range []struct{ method, target, name string }{
		{"GET", "/v1/services/..%2Fweb", "../web"},
		{"POST", "/v1/services/web%2F..%2F..%2Freload/stop", "web/../../reload"},
	} {
		fb := newFakeBackend("web")
		h, _ := newTestHandler(t, fb)
		a := serve(t, h, tc.method, tc.target, nil)
		if a.status == http.StatusNotFound && strings.Contains(a.errorMessage(t), "did you mean") {
			t.Errorf("%s %s: %d %s: a clean path suggested for an escaped name", tc.method, tc.target, a.status, a.body)
			continue
		}
		if !slices.ContainsFunc(fb.callLog(), func(c string) bool { return strings.HasSuffix(c, " "+tc.name) }) {
			t.Errorf("%s %s: %d %s; the backend was not asked about %q (calls %q)", tc.method, tc.target, a.status, a.body, tc.name, fb.callLog())
		}
	}
}
