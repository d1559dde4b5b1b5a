package notify

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWebhookCAReplacesSystemRoots checks that the CA (superd.conf's
// CAFile=) is trusted instead of the system's roots, as superd.conf's
// documentation says: a webhook pinned to a private CA must not accept a
// certificate any public CA could issue for its host.
func TestWebhookCAReplacesSystemRoots(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	cfg := fastConfig(srv.URL)
	cfg.CA = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	w := newTestWebhook(t, cfg)
	want := x509.NewCertPool()
	want.AddCert(srv.Certificate())
	if got := w.transport.TLSClientConfig.RootCAs; got == nil || !got.Equal(want) {
		t.Errorf("RootCAs is not exactly the CA file's certificates (system roots added?)")
	}
	if err := w.Notify(context.Background(), NewEvent(TypeExit, "web")); err != nil {
		t.Fatalf("with CA: %v", err)
	}
}
