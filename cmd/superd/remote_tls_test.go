//go:build linux

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
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

// writeSelfSignedCert writes a self-signed certificate for 127.0.0.1 and
// its key to PEM files and returns their paths.
func writeSelfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "superd remote CLI test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
