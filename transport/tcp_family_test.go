package transport

import (
	"net"
	"strconv"
	"testing"
)

func TestListenNetwork(t *testing.T) {
	for addr, want := range map[string]string{
		"0.0.0.0:8080":           "tcp4",
		"127.0.0.1:0":            "tcp4",
		"[::ffff:127.0.0.1]:0":   "tcp4",
		"[::]:8080":              "tcp6",
		"[::1]:0":                "tcp6",
		"[fe80::1%eth0]:0":       "tcp6",
		":8080":                  "tcp",
		"localhost:0":            "tcp",
		"supers.example.org:443": "tcp",
		"no port":                "tcp",
	} {
		if got := listenNetwork(addr); got != want {
			t.Errorf("listenNetwork(%q) = %q, want %q", addr, got, want)
		}
	}
}

// --http 0.0.0.0:PORT listens on IPv4 alone: Go's "tcp" made it one
// dual-stack socket, reachable on every IPv6 address too, past firewall
// rules written for IPv4.
func TestListenTCPOnAnIPv4WildcardIsIPv4Only(t *testing.T) {
	probe, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	probe.Close()
	ln, err := ListenTCP(t.Context(), TCPOptions{Addr: "0.0.0.0:0", Insecure: true, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if ip := ln.Addr().(*net.TCPAddr).IP; ip.To4() == nil {
		t.Errorf("listening on %v, want an IPv4 address", ln.Addr())
	}
	if c, err := net.Dial("tcp6", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
		c.Close()
		t.Errorf("0.0.0.0:%d answers on [::1]", port)
	}
	c, err := net.Dial("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("0.0.0.0:%d does not answer on 127.0.0.1: %v", port, err)
	}
	c.Close()
}
