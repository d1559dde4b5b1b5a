package transport

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testToken is the token of the test TCP servers.
const testToken = "0123456789abcdef0123456789abcdef"

// tcpServer is a TCP API server of a test.
type tcpServer struct {
	url  string // http(s)://127.0.0.1:PORT
	addr string // 127.0.0.1:PORT
	logs *syncBuffer
}

// serveTCP serves b's API on a new TCP listener made by ListenTCP with
// opts (Addr defaults to 127.0.0.1:0, Token to testToken unless a
// TokenFile is given).
func serveTCP(t *testing.T, b Backend, opts TCPOptions) tcpServer {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Token == "" && opts.TokenFile == "" {
		opts.Token = testToken
	}
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ln, err := ListenTCP(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, ln, TCPHandler(NewHandler(b, HandlerOptions{Logger: opts.Logger, Version: "v9"}), opts))
	scheme := "http"
	if opts.TLSCertFile != "" {
		scheme = "https"
	}
	addr := ln.Addr().String()
	return tcpServer{url: scheme + "://" + addr, addr: addr, logs: logs}
}

// request sends a request to srv with the given Host (if not empty) and
// Authorization headers.
func (srv tcpServer) request(t *testing.T, method, path, host string, auth ...string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}
}

func TestTCPAuth(t *testing.T) {
	fb := newFakeBackend("web")
	srv := serveTCP(t, fb, TCPOptions{})
	const wrong = "fedcba9876543210fedcba9876543210"
	for _, tc := range []struct {
		name, path string
		auth       []string
		status     int
	}{
		{"no token", "/v1/services", nil, http.StatusUnauthorized},
		{"wrong token", "/v1/services", []string{"Bearer " + wrong}, http.StatusUnauthorized},
		{"token prefix", "/v1/services", []string{"Bearer " + testToken[:8]}, http.StatusUnauthorized},
		{"token with extra", "/v1/services", []string{"Bearer " + testToken + "x"}, http.StatusUnauthorized},
		{"basic", "/v1/services", []string{"Basic " + testToken}, http.StatusUnauthorized},
		{"bare token", "/v1/services", []string{testToken}, http.StatusUnauthorized},
		{"two headers", "/v1/services", []string{"Bearer " + testToken, "Bearer " + testToken}, http.StatusUnauthorized},
		{"no token, unknown route", "/v1/nothing", nil, http.StatusUnauthorized},
		{"no token, openapi", "/v1/openapi.json", nil, http.StatusUnauthorized},
		{"no token, unclean healthz", "/v1/../healthz", nil, http.StatusUnauthorized},
		{"right token", "/v1/services", []string{"Bearer " + testToken}, http.StatusOK},
		{"right token, any case", "/v1/services", []string{"bearer " + testToken}, http.StatusOK},
		{"right token, openapi", "/v1/openapi.json", []string{"Bearer " + testToken}, http.StatusOK},
		{"healthz without token", "/healthz", nil, http.StatusOK},
		{"healthz with a wrong token", "/healthz", []string{"Bearer " + wrong}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := strings.Count(srv.logs.String(), "missing or invalid bearer token")
			a := srv.request(t, "GET", tc.path, "", tc.auth...)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d (body %s)", a.status, tc.status, a.body)
			}
			if a.header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", a.header.Get("Content-Type"))
			}
			refusals := strings.Count(srv.logs.String(), "missing or invalid bearer token") - before
			if tc.status != http.StatusUnauthorized {
				if refusals != 0 {
					t.Errorf("%d refusals logged", refusals)
				}
				return
			}
			if got := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate %q", got)
			}
			if msg := a.errorMessage(t); !errors.Is(&APIError{StatusCode: a.status, Message: msg}, ErrUnauthorized) || !strings.Contains(msg, "token") {
				t.Errorf("message %q", msg)
			}
			if refusals != 1 {
				t.Errorf("%d refusals logged, want 1", refusals)
			}
		})
	}
	// Only a GET or HEAD of /healthz goes without the token: another
	// method there was answered 405 (or 413), not refused.
	for _, method := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		if a := srv.request(t, method, "/healthz", ""); a.status != http.StatusUnauthorized || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s /healthz without the token: status %d, WWW-Authenticate %q; want 401 with a Bearer challenge", method, a.status, a.header.Get("WWW-Authenticate"))
		}
	}
	if a := srv.request(t, "HEAD", "/healthz", ""); a.status != http.StatusOK {
		t.Errorf("HEAD /healthz without the token: status %d, want 200", a.status)
	}
	l := srv.logs.String()
	if strings.Contains(l, testToken[:8]) || strings.Contains(l, wrong[:8]) {
		t.Errorf("a token is in the log:\n%s", l)
	}
	for _, want := range []string{"level=WARN", "remote=127.0.0.1:", "path=/v1/services"} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
	// Refused requests never reached the backend.
	if calls := fb.callLog(); len(calls) != 2 { // right token and any case: nothing else
		t.Errorf("backend calls %q", calls)
	}
}

// TestTCPRefusalClosesTheConnection: a client without the token cannot
// keep a connection open after its refusal.
func TestTCPRefusalClosesTheConnection(t *testing.T) {
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{})
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /v1/services HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(conn) // ends when the server closes
	if err != nil {
		t.Fatalf("the server kept the connection after a 401: %v (read %q)", err, got)
	}
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 401")) {
		t.Fatalf("answer %q", got)
	}
}

// TestTCPHealthWithoutTokenClosesTheConnection: GET /healthz needs no
// token, but a client without one cannot keep its connection: else anyone
// who can reach the port could hold every connection the API serves
// (maxTCPConns) with one /healthz each per IdleTimeout, and keep the
// token's holders out for good. With the token, the connection is kept.
func TestTCPHealthWithoutTokenClosesTheConnection(t *testing.T) {
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{})
	for _, tc := range []struct {
		name, auth string
		closed     bool
	}{
		{"no token", "", true},
		{"wrong token", "Authorization: Bearer fedcba9876543210fedcba9876543210\r\n", true},
		{"right token", "Authorization: Bearer " + testToken + "\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"+tc.auth+"\r\n"); err != nil {
				t.Fatal(err)
			}
			wait := 10 * time.Second
			if !tc.closed {
				wait = 500 * time.Millisecond
			}
			_ = conn.SetReadDeadline(time.Now().Add(wait))
			got, err := io.ReadAll(conn) // ends when the server closes
			if !bytes.HasPrefix(got, []byte("HTTP/1.1 200")) {
				t.Fatalf("answer %q (%v)", got, err)
			}
			switch {
			case tc.closed && err != nil:
				t.Fatalf("the server kept the connection after a /healthz without the token: %v", err)
			case !tc.closed && err == nil:
				t.Fatalf("the server closed the connection of a client with the token")
			}
		})
	}
}

func TestTCPAndSocketServeTheSameAPI(t *testing.T) {
	fb := newFakeBackend("web")
	h := NewHandler(fb, HandlerOptions{})
	opts := TCPOptions{Addr: "127.0.0.1:0", Token: testToken}
	ln, err := ListenTCP(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, ln, TCPHandler(h, opts))
	// The socket needs no token.
	if _, err := NewClient(serveUnix(t, h)).Start(t.Context(), "web"); err != nil {
		t.Fatalf("socket without token: %v", err)
	}
	remote, err := NewRemoteClient("http://"+ln.Addr().String(), testToken)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := remote.Status(t.Context(), "web"); err != nil || st.State != StateRunning {
		t.Fatalf("TCP: %+v, %v", st, err)
	}
}

func TestTCPHostHeader(t *testing.T) {
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{Hosts: []string{"superd.example", "10.0.0.5", "[fd00::1]"}})
	bearer := "Bearer " + testToken
	_, port, _ := net.SplitHostPort(srv.addr)
	for _, host := range []string{
		"localhost", "localhost:" + port, "LOCALHOST", "localhost.", "127.0.0.1", "127.1.2.3:80",
		"[::1]", "[::1]:" + port, "superd.example", "SuperD.Example:8080", "10.0.0.5:1", "[fd00::1]:8080",
	} {
		if a := srv.request(t, "GET", "/v1/services", host, bearer); a.status != http.StatusOK {
			t.Errorf("Host %q: status %d, want 200", host, a.status)
		}
	}
	for _, host := range []string{
		"evil.example", "evil.example:" + port, "localhost.evil.example", "127.0.0.1.evil.example",
		"superd.example.evil", "10.0.0.6", "0.0.0.0", "[::]", "[::ffff:10.0.0.5]", "[fe80::1%25lo]",
	} {
		for _, path := range []string{"/v1/services", "/healthz"} {
			a := srv.request(t, "GET", path, host, bearer)
			if a.status != http.StatusMisdirectedRequest {
				t.Errorf("Host %q %s: status %d, want 421", host, path, a.status)
				continue
			}
			if msg := a.errorMessage(t); !strings.Contains(msg, "is not served here") {
				t.Errorf("Host %q: message %q", host, msg)
			}
		}
	}
	if l := srv.logs.String(); !strings.Contains(l, "Host not allowed") || !strings.Contains(l, "host=evil.example") {
		t.Errorf("refusal not logged:\n%s", l)
	}
}

func TestTCPNoCORS(t *testing.T) {
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{})
	for _, auth := range [][]string{nil, {"Bearer " + testToken}} {
		a := srv.request(t, "OPTIONS", "/v1/services", "", auth...)
		if want := map[bool]int{false: http.StatusUnauthorized, true: http.StatusMethodNotAllowed}[auth != nil]; a.status != want {
			t.Errorf("OPTIONS (auth %v): status %d, want %d", auth != nil, a.status, want)
		}
		for k := range a.header {
			if strings.HasPrefix(strings.ToLower(k), "access-control-") {
				t.Errorf("CORS header %s: %s", k, a.header.Get(k))
			}
		}
	}
}

func TestListenTCPNonLoopback(t *testing.T) {
	cert, key := selfSignedCert(t)
	for _, tc := range []struct {
		name string
		opts TCPOptions
		ok   bool
	}{
		{"all interfaces", TCPOptions{Addr: ":0"}, false},
		{"0.0.0.0", TCPOptions{Addr: "0.0.0.0:0"}, false},
		{"::", TCPOptions{Addr: "[::]:0"}, false},
		{"insecure", TCPOptions{Addr: "0.0.0.0:0", Insecure: true}, true},
		{"tls", TCPOptions{Addr: "0.0.0.0:0", TLSCertFile: cert, TLSKeyFile: key}, true},
		{"loopback", TCPOptions{Addr: "127.0.0.1:0"}, true},
		{"localhost", TCPOptions{Addr: "localhost:0"}, true},
		{"ipv6 loopback", TCPOptions{Addr: "[::1]:0"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			tc.opts.Token = testToken
			tc.opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
			ln, err := ListenTCP(t.Context(), tc.opts)
			if !tc.ok {
				if err == nil {
					ln.Close()
					t.Fatal("ListenTCP succeeded")
				}
				if !errors.Is(err, ErrInsecureListen) || !strings.Contains(err.Error(), tc.opts.Addr) {
					t.Fatalf("got %v, want ErrInsecureListen naming the address", err)
				}
				return
			}
			if err != nil {
				if tc.name == "ipv6 loopback" && strings.Contains(err.Error(), "assign") {
					t.Skip("no IPv6 loopback here")
				}
				t.Fatal(err)
			}
			// Closed at once: nothing is served on the other interfaces.
			_ = ln.Close()
			nonLoopback := strings.HasPrefix(tc.opts.Addr, "0.0.0.0")
			if warned := strings.Contains(logs.String(), "level=WARN msg=\"control API listening on a NON-LOOPBACK address"); warned != nonLoopback {
				t.Errorf("warned = %v, want %v:\n%s", warned, nonLoopback, logs)
			}
			if insecure := strings.Contains(logs.String(), "WITHOUT TLS"); insecure != (tc.name == "insecure") {
				t.Errorf("insecure warning = %v:\n%s", insecure, logs)
			}
		})
	}
}

func TestListenTCPRejectsBadOptions(t *testing.T) {
	cert, key := selfSignedCert(t)
	for _, tc := range []struct {
		name string
		opts TCPOptions
		want string
	}{
		{"no port", TCPOptions{Addr: "127.0.0.1", Token: testToken}, "missing port"},
		{"no token", TCPOptions{Addr: "127.0.0.1:0"}, "empty token"},
		{"bad token", TCPOptions{Addr: "127.0.0.1:0", Token: "two words"}, "malformed token"},
		{"cert only", TCPOptions{Addr: "127.0.0.1:0", Token: testToken, TLSCertFile: cert}, "both"},
		{"swapped files", TCPOptions{Addr: "127.0.0.1:0", Token: testToken, TLSCertFile: key, TLSKeyFile: cert}, "TLS certificate"},
		{"host with port", TCPOptions{Addr: "127.0.0.1:0", Token: testToken, Hosts: []string{"a.example:80"}}, "a.example:80"},
		{"host URL", TCPOptions{Addr: "127.0.0.1:0", Token: testToken, Hosts: []string{"http://a.example"}}, "http://a.example"},
		{"port out of range", TCPOptions{Addr: "127.0.0.1:99999", Token: testToken}, "not a number from 0 to 65535"},
		{"named port", TCPOptions{Addr: "127.0.0.1:http", Token: testToken}, "not a number from 0 to 65535"},
	} {
		// CheckTCPOptions, which an embedding supervisor runs before it
		// creates the token file, catches what ListenTCP refuses, but the
		// token.
		if !strings.Contains(tc.want, "token") {
			if err := CheckTCPOptions(t.Context(), tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: CheckTCPOptions: %v, want it to mention %q", tc.name, err, tc.want)
			}
		}
		ln, err := ListenTCP(t.Context(), tc.opts)
		if err == nil {
			ln.Close()
			t.Errorf("%s: ListenTCP succeeded", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to mention %q", tc.name, err, tc.want)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: the token is in the error: %v", tc.name, err)
		}
	}
}

func TestTCPWithTLS(t *testing.T) {
	cert, key := selfSignedCert(t)
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{TLSCertFile: cert, TLSKeyFile: key})

	pemBytes, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemBytes)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	t.Cleanup(client.CloseIdleConnections)
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.url+"/v1/services/web", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 || resp.Proto != "HTTP/1.1" {
		t.Fatalf("status %d, TLS %v, proto %s", resp.StatusCode, resp.TLS != nil, resp.Proto)
	}

	// Plain HTTP to the TLS port gets nothing useful.
	plain := tcpServer{url: "http://" + srv.addr}
	req, _ = http.NewRequestWithContext(t.Context(), "GET", plain.url+"/v1/services/web", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP served on the TLS port")
		}
	}
}

func TestCurlAgainstTCP(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	token, _, err := LoadOrCreateToken(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{Token: token})
	// As the package documentation says.
	cmd := exec.CommandContext(t.Context(), "sh", "-c",
		`"$CURL" -sS --max-time 5 -H "Authorization: Bearer $(cat "$TOKENFILE")" "$URL/v1/services"`)
	cmd.Env = append(os.Environ(), "CURL="+curl, "TOKENFILE="+tokenFile, "URL="+srv.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"name":"web"`) {
		t.Fatalf("curl got %s", out)
	}
}

// selfSignedCert writes a self-signed certificate for 127.0.0.1, ::1 and
// localhost and its key to PEM files and returns their paths.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "superd test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
