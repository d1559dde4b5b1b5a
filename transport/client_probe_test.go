package transport

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawServer answers each connection with answer(path of its request),
// and records every byte it received.
type rawServer struct {
	addr     string
	mu       sync.Mutex
	received bytes.Buffer
}

func newRawServer(t *testing.T, answer func(path string) string) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close() // ends the accept loop
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			var head bytes.Buffer
			req, err := http.ReadRequest(bufio.NewReader(io.TeeReader(conn, &head)))
			s.mu.Lock()
			s.received.Write(head.Bytes())
			s.mu.Unlock()
			if err == nil {
				io.WriteString(conn, answer(req.URL.Path))
			}
			conn.Close()
		}
	})
	return s
}

func (s *rawServer) got() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received.String()
}

// probingClient is a remote client of s that probes as for another host
// (the test can only listen on this one).
func probingClient(t *testing.T, s *rawServer) *Client {
	t.Helper()
	c, err := NewRemoteClient("http://"+s.addr, testToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.probe != nil {
		t.Fatal("a client of a loopback address probes")
	}
	c.probe = &plainProbe{}
	return c
}

// A remote client of an http:// URL sent its token with its first request,
// in clear, even to a port that serves HTTPS (a mistyped scheme), and only
// then told the user to use https://. Off this machine, a tokenless GET
// /healthz comes first, and only superd's 200 lets the token go: net/http's
// answer and nginx's alike stop it.
func TestRemoteClientProbesBeforeSendingTheTokenInClear(t *testing.T) {
	for name, c := range map[string]struct{ answer, want string }{
		"net/http": {"HTTP/1.0 400 Bad Request\r\n\r\n" + plainHTTPToTLS, "use https://"},
		"nginx": {"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n" +
			"<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>", "400 Bad Request"},
		// Another service's health check: a 200, but not superd's.
		"another 200":      {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nOK", "does not speak superd's API"},
		"another JSON 200": {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"healthy\":true}", "does not speak superd's API"},
	} {
		t.Run(name, func(t *testing.T) {
			s := newRawServer(t, func(string) string { return c.answer })
			_, err := probingClient(t, s).Status(t.Context(), "web")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Status: %v; want an answer saying %q", err, c.want)
			}
			if got := s.got(); strings.Contains(got, testToken) || !strings.Contains(got, "GET /healthz ") {
				t.Fatalf("the server received %q; want a GET /healthz, and never the token", got)
			}
		})
	}
}

// The probe's answer is not the request's: a trace in the request's
// context (the CLI's bound on the wait for a stream's first answer, which
// its first byte ends) must not see it, or a frozen superd that still
// answers /healthz would leave supers logs -f waiting for ever.
func TestRemoteClientProbeIsNotTraced(t *testing.T) {
	s := newRawServer(t, func(path string) string {
		if path == healthPath {
			return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}\n"
		}
		return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"name\":\"web\",\"state\":\"running\"}\n"
	})
	var mu sync.Mutex
	var firstBytes int
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{GotFirstResponseByte: func() {
		mu.Lock()
		firstBytes++
		mu.Unlock()
	}})
	st, err := probingClient(t, s).Status(ctx, "web")
	if err != nil || st.Name != "web" {
		t.Fatalf("Status: %+v, %v", st, err)
	}
	if got := s.got(); !strings.Contains(got, "GET /healthz ") || !strings.Contains(got, testToken) {
		t.Fatalf("the server received %q; want the probe, then the request with its token", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if firstBytes != 1 {
		t.Fatalf("the trace saw %d first response bytes, want 1: the request's only", firstBytes)
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
