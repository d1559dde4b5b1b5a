package transport

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTCPRefusalLogIsBounded: clients without the token (anyone who can
// reach the port) cannot flood superd's log with refusal records, which
// would make its log queue, or journald, drop the records that matter;
// the refusals left out are counted in the next record.
func TestTCPRefusalLogIsBounded(t *testing.T) {
	logs := &syncBuffer{}
	h := TCPHandler(NewHandler(newFakeBackend("web"), HandlerOptions{}), TCPOptions{
		Token:  testToken,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	g, ok := h.(*tcpGuard)
	if !ok {
		t.Fatalf("TCPHandler returned a %T", h)
	}
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	g.refusals.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	refuse := func(n int, host string) {
		for range n {
			req := httptest.NewRequest(http.MethodGet, "/v1/services", nil)
			req.Host = host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusMisdirectedRequest {
				t.Fatalf("status %d", rec.Code)
			}
		}
	}
	records := func() int { return strings.Count(logs.String(), "control request refused") }

	refuse(1000, "localhost")
	refuse(1000, "evil.example")
	if got := records(); got != refusalLogBurst {
		t.Fatalf("%d refusal records for 2000 refusals in a moment, want %d", got, refusalLogBurst)
	}
	if strings.Contains(logs.String(), "unlogged_refusals") {
		t.Fatalf("a record counts unlogged refusals before any was left out:\n%s", logs)
	}

	mu.Lock()
	now = now.Add(refusalLogWindow)
	mu.Unlock()
	refuse(1, "localhost")
	if got := records(); got != refusalLogBurst+1 {
		t.Fatalf("%d refusal records, want %d once the window passed", got, refusalLogBurst+1)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "unlogged_refusals=1980") {
		t.Fatalf("the first record after the burst does not count the refusals left out: %s", last)
	}
}
