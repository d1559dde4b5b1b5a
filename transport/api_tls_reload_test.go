package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
	first := servedCert(t, srv.addr)

	certPEM, keyPEM := newPairPEM(t)
	// Half-way through a renewal: the new certificate, the old key.
	renewInPlace(t, certFile, certPEM)
	if got := servedCert(t, srv.addr); !bytes.Equal(got, first) {
		t.Error("a pair that does not load replaced the one in use")
	}
	renewInPlace(t, keyFile, keyPEM)
	if got := servedCert(t, srv.addr); bytes.Equal(got, first) {
		t.Error("the renewed certificate is not served")
	}
	if l := srv.logs.String(); !bytes.Contains([]byte(l), []byte("TLS certificate reloaded")) {
		t.Errorf("the reload is not logged:\n%s", l)
	}
}

// newPairPEM returns a new self-signed certificate and its key, PEM
// encoded.
func newPairPEM(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	newCert, newKey := selfSignedCert(t)
	certPEM, err := os.ReadFile(newCert)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err = os.ReadFile(newKey)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, keyPEM
}

// servedBy returns the certificate r serves now.
func servedBy(t *testing.T, r *certReloader) []byte {
	t.Helper()
	cert, err := r.getCertificate(nil)
	if err != nil || cert == nil {
		t.Fatalf("getCertificate = %v, %v", cert, err)
	}
	return cert.Certificate[0]
}

// renewInPlace writes data over path, keeping its inode, as a renewal
// that rewrites the files does, and sets its modification time a second
// past the one it had. A P-256 key file always has the same size, and a
// kernel with coarse file timestamps (before Linux 6.13, one clock tick)
// gives a rewrite a millisecond after the first write the same time: the
// change would then be seen only because the previous read was racy (see
// racilyRead, and api_racy_reload_test.go for that rule), while the tests
// that use renewInPlace mean to see it by the file's stamps, as a real
// renewal, long after the previous write, is.
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

// servedCert returns the certificate the TLS server at addr serves now.
func servedCert(t *testing.T, addr string) []byte {
	t.Helper()
	d := &tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // the test looks at the certificate served
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates[0].Raw
}

// TestTLSCertificateSwappedBySymlink: a renewal that swaps a directory
// symlink (a Kubernetes secret volume: cert.pem -> data/cert.pem, data ->
// a new directory each time) is followed; a pair removed meanwhile leaves
// the last good one in use, with a warning, until it is back.
func TestTLSCertificateSwappedBySymlink(t *testing.T) {
	dir := t.TempDir()
	install := func(name, certSrc, keySrc string) {
		t.Helper()
		gen := filepath.Join(dir, name)
		if err := os.Mkdir(gen, 0o700); err != nil {
			t.Fatal(err)
		}
		for src, dst := range map[string]string{certSrc: "cert.pem", keySrc: "key.pem"} {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(gen, dst), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		// Swapped atomically: a new link renamed over the old one.
		tmp := filepath.Join(dir, "data.tmp")
		if err := os.Symlink(name, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "data")); err != nil {
			t.Fatal(err)
		}
	}
	c1, k1 := selfSignedCert(t)
	install("gen1", c1, k1)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for _, f := range []string{"cert.pem", "key.pem"} {
		if err := os.Symlink(filepath.Join("data", f), filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{TLSCertFile: certFile, TLSKeyFile: keyFile})
	first := servedCert(t, srv.addr)

	c2, k2 := selfSignedCert(t)
	install("gen2", c2, k2)
	second := servedCert(t, srv.addr)
	if bytes.Equal(second, first) {
		t.Fatal("the certificate behind the swapped symlink is not served")
	}

	// The pair gone (the link dangles): the last good one stays.
	if err := os.Remove(filepath.Join(dir, "data")); err != nil {
		t.Fatal(err)
	}
	if got := servedCert(t, srv.addr); !bytes.Equal(got, second) {
		t.Error("a pair that cannot be read replaced the one in use")
	}
	if l := srv.logs.String(); !strings.Contains(l, "does not load") {
		t.Errorf("the pair that does not load is not logged:\n%s", l)
	}
	c3, k3 := selfSignedCert(t)
	install("gen3", c3, k3)
	if got := servedCert(t, srv.addr); bytes.Equal(got, second) || bytes.Equal(got, first) {
		t.Error("the pair back on disk is not served")
	}
}

// TestTLSCertificateUnreadableIsTriedAgain: a renewed pair that cannot be
// read (a key only root may read, until a chmod or chown, which changes
// neither its size nor its time; too many open files) is tried again at
// the next handshake, and served once it loads. It was tried once per
// change of the files: the renewed certificate was never served, and the
// old one ran out.
func TestTLSCertificateUnreadableIsTriedAgain(t *testing.T) {
	certFile, keyFile := selfSignedCert(t)
	logs := &syncBuffer{}
	r, err := newCertReloader(certFile, keyFile, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	served := func() []byte { t.Helper(); return servedBy(t, r) }
	first := served()

	certPEM, keyPEM := newPairPEM(t)
	renewInPlace(t, certFile, certPEM)
	renewInPlace(t, keyFile, keyPEM)
	// The tests run as root too, which reads any file: the refusal is
	// the loader's.
	r.load = func(_, keyFile string) (tls.Certificate, error) {
		return tls.Certificate{}, &fs.PathError{Op: "open", Path: keyFile, Err: fs.ErrPermission}
	}
	for range 2 {
		if got := served(); !bytes.Equal(got, first) {
			t.Fatal("a pair that cannot be read replaced the one in use")
		}
	}
	if n := strings.Count(logs.String(), "does not load"); n != 1 {
		t.Errorf("%d warnings, want 1 (per change, not per handshake):\n%s", n, logs)
	}

	r.load = tls.LoadX509KeyPair // chmod'ed: readable, its stat unchanged
	if got := served(); bytes.Equal(got, first) {
		t.Error("the renewed pair, readable again, is not served")
	}
	if !strings.Contains(logs.String(), "TLS certificate reloaded") {
		t.Errorf("the reload is not logged:\n%s", logs)
	}
}
