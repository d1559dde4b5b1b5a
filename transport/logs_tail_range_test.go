package transport

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestHandlerLogsTailTooLarge: a tail past the largest int is a number of
// lines all the same: the 400 says it is too large and gives the limit,
// rather than that it is not a number; the limit itself is taken, and a
// sign still makes it no count of lines.
func TestHandlerLogsTailTooLarge(t *testing.T) {
	limit := strconv.Itoa(math.MaxInt)
	for _, tc := range []struct{ query, want string }{
		{"?tail=99999999999999999999", `tail="99999999999999999999": too large: at most ` + limit + ` lines, or "all"`},
		{"?tail=-99999999999999999999", `tail="-99999999999999999999": want a number of lines (0 or more)`},
		{"?tail=%2B99999999999999999999", `tail="+99999999999999999999": want a number of lines (0 or more)`},
		// Atoi reports the range before the character that is no digit.
		{"?tail=99999999999999999999x", `tail="99999999999999999999x": want a number of lines (0 or more)`},
		{"?tail=99999999999999999999_9", `tail="99999999999999999999_9": want a number of lines (0 or more)`},
	} {
		fb := newFakeBackend("web")
		h, _ := newTestHandler(t, fb)
		a := serve(t, h, "GET", "/v1/services/web/logs"+tc.query, nil)
		if a.status != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", tc.query, a.status)
			continue
		}
		if msg := a.errorMessage(t); !strings.HasPrefix(msg, "invalid argument: "+tc.want) {
			t.Errorf("%q: message %q, want %q", tc.query, msg, tc.want)
		}
		if calls := fb.callLog(); len(calls) != 0 {
			t.Errorf("%q: backend called: %q", tc.query, calls)
		}
	}

	fb := newFakeBackend("web")
	h, _ := newTestHandler(t, fb)
	if a := serve(t, h, "GET", "/v1/services/web/logs?tail="+limit, nil); a.status != http.StatusOK {
		t.Errorf("tail=%s: status %d, body %s", limit, a.status, a.body)
	}
	if calls, want := fb.callLog(), "logs web stream=stdout tail="+limit+" follow=false"; !slices.Equal(calls, []string{want}) {
		t.Errorf("tail=%s: backend calls %q, want [%q]", limit, calls, want)
	}
}
