package transport

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTCPOptionsStarIsGuarded: "OPTIONS *" goes through the Host and token
// checks like any request. net/http answered it itself, 200 and the
// connection kept, before the guard ran: anyone who could reach the port,
// without the token and with any Host, could hold every one of its 256
// connections by sending one every IdleTimeout, and keep the token's
// holders out.
func TestTCPOptionsStarIsGuarded(t *testing.T) {
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{})
	for _, tc := range []struct {
		host string
		want int
	}{
		{"localhost", http.StatusUnauthorized},
		{"evil.example", http.StatusMisdirectedRequest},
	} {
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("OPTIONS * HTTP/1.1\r\nHost: " + tc.host + "\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("Host %s: %v", tc.host, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || !resp.Close {
			t.Errorf("OPTIONS * with Host %s: %s (close %v), want %d and the connection closed", tc.host, resp.Status, resp.Close, tc.want)
		}
		// The server closes the connection: the next read ends.
		if _, err := br.ReadByte(); err == nil {
			t.Errorf("Host %s: the connection was kept", tc.host)
		} else if strings.Contains(err.Error(), "timeout") {
			t.Errorf("Host %s: the connection was kept (%v)", tc.host, err)
		}
	}

	// With the token it is no route, in JSON like every error.
	c, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + testToken + "\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&body)
	if resp.StatusCode != http.StatusNotFound || body.String() != `{"error":"no such route: OPTIONS *"}`+"\n" {
		t.Errorf("OPTIONS * with the token: %s %q, want 404 no such route", resp.Status, body.String())
	}
}
