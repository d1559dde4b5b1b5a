//go:build linux

package main

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// supers --url https:// verifies superd's certificate against the system's
// roots, and SSL_CERT_FILE (what the README tells users of a private CA or
// a self-signed certificate) makes it trust superd's own.
func TestRemoteCLIOverTLS(t *testing.T) {
	t.Parallel()
	cert, key := writeSelfSignedCert(t)
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).
		withHTTP("--http-tls-cert", cert, "--http-tls-key", key).start()
	d.waitRunning("a")
	base := d.tcpAPI().base // http://ADDR from superd's log
	url := "https://" + strings.TrimPrefix(base, "http://")
	remote := []string{"--url", url, "--token-file", filepath.Join(d.dir, "http.token"), "status", "a"}

	_, errs, code := runCLIWith(t, []string{"SSL_CERT_FILE=", "SSL_CERT_DIR="}, remote...)
	if code != 1 || !strings.Contains(errs, "certificate") {
		t.Errorf("without superd's certificate: exit %d, stderr %q; want 1 and a certificate error", code, errs)
	}
	out, errs, code := runCLIWith(t, []string{"SSL_CERT_FILE=" + cert}, remote...)
	if code != 0 || !strings.Contains(out, "running") {
		t.Errorf("with SSL_CERT_FILE: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// writeSelfSignedCert writes the certificate and key that net/http/httptest
// serves TLS with (self-signed, valid for 127.0.0.1) to PEM files and
// returns their paths.
func writeSelfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	pair := ts.TLS.Certificates[0]
	ts.Close()
	keyDER, err := x509.MarshalPKCS8PrivateKey(pair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.Certificate[0]}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// A failed TLS handshake, which anyone who reaches the port can cause as
// often as they like (plain HTTP sent to it, a port scan), is logged at
// Debug, not one warning each.
func TestTLSHandshakeErrorsAreNotWarnings(t *testing.T) {
	t.Parallel()
	cert, key := writeSelfSignedCert(t)
	d := newDaemon(t, nil).withHTTP("--http-tls-cert", cert, "--http-tls-key", key).start()
	addr := strings.TrimPrefix(d.tcpAPI().base, "http://")
	const tries = 20
	for range tries {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
		_, _ = io.Copy(io.Discard, c) // until the server closes it
		c.Close()
	}
	// superd runs with --log-level debug here: the records are there.
	waitFor(t, 10*time.Second, "the handshake errors logged", func() bool {
		return strings.Count(d.stderr.String(), "TLS handshake error") >= tries
	})
	for _, line := range strings.Split(d.stderr.String(), "\n") {
		if strings.Contains(line, "TLS handshake error") && !strings.Contains(line, "level=DEBUG") {
			t.Fatalf("a handshake error logged above Debug: %s", line)
		}
	}
}
