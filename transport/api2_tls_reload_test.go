package transport

import (
	"bytes"
	"crypto/tls"
	"os"
	"testing"
	"time"
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
	renewInPlace(t, certFile, certPEM)
	if got := served(); !bytes.Equal(got, first) {
		t.Error("a pair that does not load replaced the one in use")
	}
	renewInPlace(t, keyFile, keyPEM)
	if got := served(); bytes.Equal(got, first) {
		t.Error("the renewed certificate is not served")
	}
	if l := srv.logs.String(); !bytes.Contains([]byte(l), []byte("TLS certificate reloaded")) {
		t.Errorf("the reload is not logged:\n%s", l)
	}
}

// renewInPlace writes data over path, keeping its inode, as a renewal
// that rewrites the files does, and sets its modification time a second
// past the one it had. A P-256 key file always has the same size, and a
// kernel with coarse file timestamps (before Linux 6.13, one clock tick)
// gives a rewrite a millisecond after the first write the same time: the
// change would go unseen, and the test would depend on the machine and
// its load, while a real renewal comes long after the previous write.
func renewInPlace(t *testing.T, path string, data []byte) {
	t.Helper()
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, before.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
	mtime := before.ModTime().Add(time.Second)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}
