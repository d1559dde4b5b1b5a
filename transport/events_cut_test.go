package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// A stream that breaks in the middle of an event's line is reported as a
// broken stream, not as an event superd sent malformed.
func TestEventsCutMidLineIsAReadError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ndjsonContentType)
		_, _ = w.Write([]byte(`{"type":"start","service":"a"}` + "\n" + `{"type":"sto`))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.Close() // mid-chunk: the client's read fails
	}))
	t.Cleanup(srv.Close)
	c, err := NewRemoteClient(srv.URL, strings.Repeat("t", 43))
	if err != nil {
		t.Fatal(err)
	}
	var got []notify.Event
	err = c.Events(context.Background(), "", true, func(e notify.Event) error {
		got = append(got, e)
		return nil
	})
	if len(got) != 1 || err == nil || strings.Contains(err.Error(), "decoding") || !strings.Contains(err.Error(), "reading events from superd") {
		t.Fatalf("Events: %d events, %v; want the one whole event, then a read error", len(got), err)
	}
}
