package transport

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// panicsAfter is a log reader that gives first, then panics: a bug
// below the handler in the middle of an answer.
type panicsAfter struct {
	first string
	sent  bool
}

func (r *panicsAfter) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, r.first), nil
	}
	panic("log reader bug")
}

func (r *panicsAfter) Close() error { return nil }

// A panic once an answer has begun is logged, and the answer cut: ended
// as usual, a log (or an event stream) would look complete where it
// stopped, and the client could not tell a bug from the end.
func TestHandlerPanicMidAnswerCutsIt(t *testing.T) {
	f := newFakeBackend("web")
	f.logReader = func(context.Context, string, LogQuery) (io.ReadCloser, error) {
		return &panicsAfter{first: "line 1\n"}, nil
	}
	h, logs := newTestHandler(t, f)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = nil
	srv.Start()
	defer srv.Close()

	c := &http.Client{Timeout: 20 * time.Second}
	resp, err := c.Get(srv.URL + "/v1/services/web/logs?tail=all")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("the answer ended cleanly after %q: the panic looks like the end of the log", body)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "log reader bug") {
		t.Errorf("panic not logged:\n%s", l)
	}
	// The server goes on.
	resp2, err := c.Get(srv.URL + "/v1/services/web")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusOK {
		t.Fatalf("after the panic: status %d", resp2.StatusCode)
	}
}
