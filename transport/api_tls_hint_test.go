package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRemoteClientTLSMismatchSaysWhatToDo: a certificate the client cannot
// verify (superd's own, self-signed) and an https:// URL for a port that
// serves plain HTTP are said with the remedy, as a plain http:// URL for
// a TLS port already is: Go's "x509: certificate signed by unknown
// authority" and "server gave HTTP response to HTTPS client" named none.
func TestRemoteClientTLSMismatchSaysWhatToDo(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	c, err := NewRemoteClient(tlsSrv.URL, testToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.List(t.Context())
	if err == nil || !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), "SSL_CERT_FILE") {
		t.Errorf("untrusted certificate: %v, want the remedy (SSL_CERT_FILE)", err)
	}

	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	httpsURL := "https://" + strings.TrimPrefix(plain.URL, "http://")
	c, err = NewRemoteClient(httpsURL, testToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.List(t.Context())
	if err == nil || !strings.Contains(err.Error(), "that port serves plain HTTP: use "+plain.URL) {
		t.Errorf("https:// to a plain port: %v, want it to say to use %s", err, plain.URL)
	}
}
