package transport

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// A remote client of an http:// URL sent its token with its first request,
// in clear, even to a port that serves HTTPS (a mistyped scheme), and only
// then told the user to use https://. Off this machine, a tokenless GET
// /healthz comes first: such a port is found before the token goes out.
func TestRemoteClientProbesBeforeSendingTheTokenInClear(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var received bytes.Buffer
	var wg sync.WaitGroup
	defer func() {
		ln.Close() // ends the accept loop
		wg.Wait()
	}()
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			// As a TLS server of net/http answers plain HTTP.
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 4096)
			n, _ := conn.Read(buf)
			mu.Lock()
			received.Write(buf[:n])
			mu.Unlock()
			io.WriteString(conn, "HTTP/1.0 400 Bad Request\r\n\r\n"+plainHTTPToTLS)
			conn.Close()
		}
	})
	c, err := NewRemoteClient("http://"+ln.Addr().String(), testToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.probe != nil {
		t.Fatal("a client of a loopback address probes")
	}
	c.probe = &plainProbe{} // as for another host: the test can only listen here
	_, err = c.Status(t.Context(), "web")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !strings.Contains(err.Error(), "use https://"+ln.Addr().String()) {
		t.Fatalf("Status: %v; want the answer saying to use https://", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := received.String(); strings.Contains(got, testToken) || !strings.Contains(got, "GET /healthz ") {
		t.Fatalf("the server received %q; want a GET /healthz, and never the token", got)
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:80": true, "127.1.2.3:80": true, "[::1]:80": true, "localhost:80": true, "LOCALHOST": true,
		"[::ffff:127.0.0.1]:80": true,
		"10.0.0.1:80":           false, "example.com:80": false, "[2001:db8::1]:80": false, "0.0.0.0:80": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
