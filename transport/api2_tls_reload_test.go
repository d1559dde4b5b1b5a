package transport

import (
	"bytes"
	"crypto/tls"
	"os"
	"testing"
)

// TestTLSCertificateRenewedOnDisk: a certificate and key renewed on disk
// (certbot, a secret mount) are served from the next handshake on,
// without restarting superd: the pair loaded at start was served until it
// expired. A pair that does not load (the certificate written, the key
// not yet) leaves the last good one in use.
func TestTLSCertificateRenewedOnDisk(t *testing.T) {
	certFile, keyFile := selfSignedCert(t)
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{TLSCertFile: certFile, TLSKeyFile: keyFile})
	served := func() []byte {
		t.Helper()
		conn, err := tls.Dial("tcp", srv.addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test looks at the certificate served
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Raw
	}
	first := served()

	newCert, newKey := selfSignedCert(t)
	certPEM, err := os.ReadFile(newCert)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(newKey)
	if err != nil {
		t.Fatal(err)
	}
	// Half-way through a renewal: the new certificate, the old key.
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := served(); !bytes.Equal(got, first) {
		t.Error("a pair that does not load replaced the one in use")
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := served(); bytes.Equal(got, first) {
		t.Error("the renewed certificate is not served")
	}
	if l := srv.logs.String(); !bytes.Contains([]byte(l), []byte("TLS certificate reloaded")) {
		t.Errorf("the reload is not logged:\n%s", l)
	}
}
