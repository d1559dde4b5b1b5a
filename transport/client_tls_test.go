package transport

import (
	"errors"
	"net/http"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// A remote client given http:// for a port that serves TLS gets net/http's
// own answer to that, a 400 with no Content-Type: it said only "not with
// superd's JSON error (is it superd at that address?)", and now says what
// the server said and to use https://.
func TestRemoteClientPlainHTTPToTLSPort(t *testing.T) {
	cert, key := selfSignedCert(t)
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{TLSCertFile: cert, TLSKeyFile: key})
	c, err := NewRemoteClient("http://"+srv.addr, testToken)
	if err != nil {
		t.Fatal(err)
	}
	want := "superd answered 400 Bad Request: Client sent an HTTP request to an HTTPS server. (that port serves HTTPS: use https://" + srv.addr + ")"
	_, err = c.Status(t.Context(), "web")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || err.Error() != want {
		t.Errorf("Status: %v\nwant %q", err, want)
	}
	if _, err := c.Logs(t.Context(), "web", LogQuery{Tail: 1}); err == nil || err.Error() != want {
		t.Errorf("Logs: %v\nwant %q", err, want)
	}
	if err := c.Events(t.Context(), "", false, func(notify.Event) error { return nil }); err == nil || err.Error() != want {
		t.Errorf("Events: %v\nwant %q", err, want)
	}
}

// The same answer over the socket (something else than superd listening
// there) is quoted, without the advice, which is for a URL.
func TestSocketClientPlainHTTPToTLSAnswer(t *testing.T) {
	c := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		// As net/http writes it: no Content-Type.
		w.Header()["Content-Type"] = nil
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(plainHTTPToTLS + "\n"))
	})))
	_, err := c.Status(t.Context(), "web")
	if want := "superd answered 400 Bad Request: Client sent an HTTP request to an HTTPS server."; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}
