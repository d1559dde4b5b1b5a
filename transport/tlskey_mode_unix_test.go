//go:build unix

package transport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A TLS key that every user may read is refused, at start and by superd
// --check, as a token file others may read is: any local user could serve
// as superd, and read the token off the API's traffic. One its group may
// read (Debian's ssl-cert group) is accepted.
func TestTLSKeyEveryUserMayReadIsRefused(t *testing.T) {
	certFile, keyFile := selfSignedCert(t)
	openTestDir(t, keyFile)
	opts := TCPOptions{Addr: "127.0.0.1:0", TLSCertFile: certFile, TLSKeyFile: keyFile}
	for _, tt := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o644, false}, {0o602, false}, {0o640, true}, {0o600, true}} {
		if err := os.Chmod(keyFile, tt.mode); err != nil {
			t.Fatal(err)
		}
		err := CheckTCPOptions(context.Background(), opts)
		switch {
		case tt.ok && err != nil:
			t.Errorf("key of mode %04o: %v, want it accepted", tt.mode, err)
		case !tt.ok && (err == nil || !strings.Contains(err.Error(), keyFile) || !strings.Contains(err.Error(), "every user may reach it")):
			t.Errorf("key of mode %04o: %v, want it refused, naming the file", tt.mode, err)
		}
	}
	// A 0644 key no other user can reach is accepted: certbot's lineages
	// from before 0.29 keep such keys in a 0700 archive/, linked from
	// live/.
	archive := filepath.Join(t.TempDir(), "archive")
	if err := os.Mkdir(archive, 0o700); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(archive, "privkey1.pem")
	if err := os.Rename(keyFile, real); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(real, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, keyFile); err != nil {
		t.Fatal(err)
	}
	if err := CheckTCPOptions(context.Background(), opts); err != nil {
		t.Errorf("a 0644 key in a 0700 directory, through a link: %v, want it accepted", err)
	}
	if err := os.Chmod(archive, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckTCPOptions(context.Background(), opts); err == nil {
		t.Error("a 0644 key every user may reach through 0755 directories, through a link: accepted")
	}
}

// A renewed key that every user may read is not taken at a reload: the
// pair in force stays, as for a pair that does not load. It was served,
// where a start refuses it.
func TestRenewedTLSKeyEveryUserMayReadIsNotLoaded(t *testing.T) {
	certFile, keyFile := selfSignedCert(t)
	openTestDir(t, keyFile)
	if _, err := loadKeyPair(certFile, keyFile); err != nil {
		t.Fatalf("a 0600 key: %v", err)
	}
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadKeyPair(certFile, keyFile); err == nil || !strings.Contains(err.Error(), "every user may reach it") {
		t.Errorf("a 0644 key: %v, want it refused", err)
	}
}

// openTestDir lets every user enter the test's own temporary directory,
// which holds the directory of path (t.TempDir makes it 0700), so that
// what is in the latter is as reachable as its modes say. The test is
// skipped if a directory above that one is closed to other users (a
// TMPDIR of one user's, as macOS gives): nothing in it is reachable.
func openTestDir(t *testing.T, path string) {
	t.Helper()
	top := filepath.Dir(filepath.Dir(path))
	for dir := filepath.Dir(top); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o001 == 0 {
			t.Skipf("%s, above the test's temporary directory, is closed to other users", dir)
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	if err := os.Chmod(top, 0o755); err != nil {
		t.Fatal(err)
	}
}
