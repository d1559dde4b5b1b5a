package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// supers --url http://... against a port that serves TLS: net/http's
// answer to plain HTTP there (a 400 with no Content-Type) is quoted, with
// the advice to use https://, where supers said only "superd answered 400
// Bad Request, not with superd's JSON error (is it superd at that
// address?)".
func TestRemotePlainHTTPToTLSPort(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a plain-HTTP request was served on the TLS port")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake refused below
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	tokenFile := writeToken(t, testToken)
	said := "superd answered 400 Bad Request: Client sent an HTTP request to an HTTPS server. (that port serves HTTPS: use https://" + addr + ")\n"
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"status"}, "supers: " + said},
		{[]string{"list"}, "supers: " + said},
		{[]string{"status", "web"}, "supers: status web: " + said},
		{[]string{"cat", "web"}, "supers: cat web: " + said},
	} {
		r := runCLI(t, nil, append([]string{"--url", "http://" + addr, "--token-file", tokenFile}, tc.args...)...)
		if r.code != exitError || r.stderr != tc.stderr || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q\nwant %q", tc.args, r.code, r.stdout, r.stderr, tc.stderr)
		}
	}
	// The same address as https:// gets past that (to the certificate,
	// which these clients do not trust).
	r := runCLI(t, nil, "--url", "https://"+addr, "--token-file", tokenFile, "status")
	if r.code != exitError || strings.Contains(r.stderr, "HTTPS server") || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("https://: code %d, stderr %q", r.code, r.stderr)
	}
}
