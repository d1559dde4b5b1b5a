package transport

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestTCPHostRefusalNamesTheFlag: the 421 for a Host superd was not given
// says how to allow it (--http-host with the name alone, which is what
// that flag takes), not just "superd's allowed hosts", and does not
// suggest the name with its port, which --http-host refuses.
func TestTCPHostRefusalNamesTheFlag(t *testing.T) {
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{})
	_, port, _ := net.SplitHostPort(srv.addr)
	for host, want := range map[string]string{
		"vm:" + port:           "--http-host vm (HTTPHosts=)",
		"Ops.Example":          "--http-host ops.example (HTTPHosts=)",
		"[fd00::1]:" + port:    "--http-host fd00::1 (HTTPHosts=)",
		"10.1.2.3":             "--http-host 10.1.2.3 (HTTPHosts=)",
		"evil.example:" + port: "--http-host evil.example (HTTPHosts=)",
	} {
		a := srv.request(t, "GET", "/v1/services", host, "Bearer "+testToken)
		msg := a.errorMessage(t)
		if a.status != http.StatusMisdirectedRequest || !strings.Contains(msg, want) {
			t.Errorf("Host %q: %d %q, want 421 saying %q", host, a.status, msg, want)
		}
	}
}
