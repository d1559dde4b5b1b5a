//go:build unix

package transport

import (
	"context"
	"os"
	"strings"
	"testing"
)

// A TLS key that every user may read is refused, at start and by superd
// --check, as a token file others may read is: any local user could serve
// as superd, and read the token off the API's traffic. One its group may
// read (Debian's ssl-cert group) is accepted.
func TestTLSKeyEveryUserMayReadIsRefused(t *testing.T) {
	certFile, keyFile := selfSignedCert(t)
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
		case !tt.ok && (err == nil || !strings.Contains(err.Error(), keyFile) || !strings.Contains(err.Error(), "every user may read")):
			t.Errorf("key of mode %04o: %v, want it refused, naming the file", tt.mode, err)
		}
	}
}
