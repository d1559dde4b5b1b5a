package transport

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tokenSameSize is a token as long as testToken: a rewrite in place
// from one to the other leaves the file's size as it was.
const tokenSameSize = "fedcba9876543210fedcba9876543210"

// TestTCPTokenRewrittenKeepingItsTime: a token file rewritten in place
// with its modification time put back (`cp -p`, `rsync -t --inplace`), the
// same size, is read again: its change time moved. Only the modification
// time was compared, so the new token was never read and the old one
// stayed in force.
func TestTCPTokenRewrittenKeepingItsTime(t *testing.T) {
	file := writeTokenFile(t, testToken)
	logs := &syncBuffer{}
	s := newTokenSource(testToken, file, slog.New(slog.NewTextHandler(logs, nil)))
	// Long after the file's last change: the rule of a racy read
	// (TestTCPTokenRewrittenWithinOneTick) plays no part here.
	s.now = func() time.Time { return time.Now().Add(time.Hour) }
	if !s.check(testToken) {
		t.Fatal("the token of the file is not in force")
	}
	before, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(tokenSameSize) != len(testToken) {
		t.Fatal("the tokens differ in length: the file's size would show the change")
	}
	if err := os.WriteFile(file, []byte(tokenSameSize+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(file, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	if !s.check(tokenSameSize) || s.check(testToken) {
		t.Errorf("a file rewritten with its time put back is not read again: the old token is in force\n%s", logs)
	}
}

// TestTCPTokenRewrittenWithinOneTick: a token file read within racyWindow
// of its last change is read again at the next request, as long as the
// reads come within that window, so that a rewrite of the same size
// within one tick of the file system's clock (which leaves every stamp as
// it was) is seen; a read later than the window ends the re-reads. The
// file's stamps are those of another file here, which does not change:
// a real clock tick cannot be timed by a test.
func TestTCPTokenRewrittenWithinOneTick(t *testing.T) {
	file := writeTokenFile(t, testToken)
	stamps := filepath.Join(t.TempDir(), "stamps")
	if err := os.WriteFile(stamps, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s := newTokenSource(testToken, file, slog.New(slog.NewTextHandler(logs, nil)))
	s.stat = func(string) (os.FileInfo, error) { return os.Stat(stamps) }
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Now()) // right after the stamps' change: frozen, whatever the machine's speed
	s.now = func() time.Time { return *now.Load() }
	var loads atomic.Int32
	s.load = func(path string) (string, error) {
		loads.Add(1)
		return loadToken(path)
	}

	if !s.check(testToken) {
		t.Fatal("the token of the file is not in force")
	}
	if err := os.WriteFile(file, []byte(tokenSameSize+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !s.check(tokenSameSize) || s.check(testToken) {
		t.Fatalf("a file rewritten within a tick of its read, its stamps unchanged, is not read again: the old token is in force\n%s", logs)
	}

	setNow(time.Now().Add(racyWindow + time.Second))
	if !s.check(tokenSameSize) {
		t.Fatal("the token in force changed with no change of the file")
	}
	n := loads.Load()
	for range 3 {
		if !s.check(tokenSameSize) {
			t.Fatal("the token in force changed with no change of the file")
		}
	}
	if got := loads.Load(); got != n {
		t.Errorf("the file was read %d more times after a read later than the window: it should be read again only when it changes", got-n)
	}
	if c := strings.Count(logs.String(), tokenInForceLog); c != 1 {
		t.Errorf("%d records of a new token in force, want 1 (re-reading the same token says nothing):\n%s", c, logs)
	}
	if strings.Contains(logs.String(), tokenKeptLog) {
		t.Errorf("a warning for a file that loads:\n%s", logs)
	}
}

// TestTLSCertificateRewrittenWithinOneTick: a certificate and key loaded
// within racyWindow of a change of either are loaded again at the next
// handshake, so that a renewal written in place within one tick of the
// file system's clock (a P-256 key file always has the same size) is
// served; loading the same pair again says nothing, and a load later
// than the window ends the re-loads. The files' stamps are those of
// another file here, which does not change.
func TestTLSCertificateRewrittenWithinOneTick(t *testing.T) {
	certFile, keyFile := selfSignedCert(t)
	logs := &syncBuffer{}
	r, err := newCertReloader(certFile, keyFile, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stamps := filepath.Join(t.TempDir(), "stamps")
	if err := os.WriteFile(stamps, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r.stat = func(string) (os.FileInfo, error) { return os.Stat(stamps) }
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Now())
	r.now = func() time.Time { return *now.Load() }
	var loads atomic.Int32
	r.load = func(certFile, keyFile string) (tls.Certificate, error) {
		loads.Add(1)
		return tls.LoadX509KeyPair(certFile, keyFile)
	}
	served := func() []byte { t.Helper(); return servedBy(t, r) }
	first := served() // the stamps changed (another file's): loaded again, the same pair

	certPEM, keyPEM := newPairPEM(t)
	for path, data := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	renewed := served()
	if bytes.Equal(renewed, first) {
		t.Fatal("a pair rewritten within a tick of its load, its stamps unchanged, is not served")
	}

	setNow(time.Now().Add(racyWindow + time.Second))
	if !bytes.Equal(served(), renewed) {
		t.Fatal("the pair served changed with no change of the files")
	}
	n := loads.Load()
	for range 3 {
		if !bytes.Equal(served(), renewed) {
			t.Fatal("the pair served changed with no change of the files")
		}
	}
	if got := loads.Load(); got != n {
		t.Errorf("the pair was loaded %d more times after a load later than the window: it should be loaded again only when it changes", got-n)
	}
	if c := strings.Count(logs.String(), "TLS certificate reloaded"); c != 1 {
		t.Errorf("%d records of a reload, want 1 (loading the same pair again says nothing):\n%s", c, logs)
	}
}
