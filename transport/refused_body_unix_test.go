//go:build linux || darwin || freebsd

package transport

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// A request refused with its declared body unread (a body to a route that
// takes none, a TCP client without the token, a peer the socket does not
// allow) is answered at once and its connection closed at once: net/http
// used to wait for the rest of the body, to keep the connection, until its
// ReadTimeout (30 s in superd), so a client refused without the token held
// a connection slot six times longer than the header timeout lets it.
func TestRefusedRequestWithBodyKeepsNoConnection(t *testing.T) {
	const readTimeout = 20 * time.Second
	tcp := func(h http.Handler) (string, string) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := NewServer(h)
		srv.ReadTimeout = readTimeout
		serveWith(t, srv, ln)
		return "tcp", ln.Addr().String()
	}
	unix := func(access SocketAccess) (string, string) {
		path, _ := serveUnixAccess(t, newFakeBackend("web"), access)
		return "unix", path
	}
	for _, tc := range []struct {
		name   string
		listen func() (string, string)
		status int
	}{
		{"a body to a route that takes none", func() (string, string) {
			return tcp(NewHandler(newFakeBackend("web"), HandlerOptions{}))
		}, http.StatusBadRequest},
		{"no token", func() (string, string) {
			return tcp(TCPHandler(NewHandler(newFakeBackend("web"), HandlerOptions{}), TCPOptions{Token: "0123456789abcdef0123"}))
		}, http.StatusUnauthorized},
		{"a peer the socket does not allow", func() (string, string) { return unix(strangerAccess(t)) }, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			network, addr := tc.listen()
			conn, err := net.Dial(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// The body declared, one byte of it sent.
			fmt.Fprint(conn, "POST /v1/reload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n{")
			// Well within the ReadTimeout: the close must not be that
			// timeout's.
			_ = conn.SetReadDeadline(time.Now().Add(readTimeout / 2))
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("after the answer: %v, want the connection closed (EOF) before the server's ReadTimeout", err)
			}
		})
	}
}
