//go:build linux || darwin || freebsd

package transport

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestUnixServerRefusedPeerKeepsNoConnection: a peer the socket's access
// refuses (one that could connect because the socket's permissions were
// loosened) gets its 403 and the connection closed, as a TCP client
// without the token does: it kept it, and could hold as many connections
// (and superd's descriptors) as it liked with a request every IdleTimeout.
func TestUnixServerRefusedPeerKeepsNoConnection(t *testing.T) {
	path, _ := serveUnixAccess(t, newFakeBackend("web"), strangerAccess(t))
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("GET /v1/services HTTP/1.1\r\nHost: superd\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !resp.Close {
		t.Errorf("refused peer: %s (close %v), want 403 and the connection closed", resp.Status, resp.Close)
	}
	if _, err := br.ReadByte(); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("refused peer: the connection was kept (%v)", err)
	}
}

// TestUnixServerRefusalLogIsBounded: refused socket peers cannot flood
// superd's log either: at most refusalLogBurst records every
// refusalLogWindow, as on TCP. Each refusal was logged.
func TestUnixServerRefusalLogIsBounded(t *testing.T) {
	path, logs := serveUnixAccess(t, newFakeBackend("web"), strangerAccess(t))
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}}
	t.Cleanup(client.CloseIdleConnections)
	for range refusalLogBurst + 5 { // well within one window
		resp, err := client.Get("http://superd/v1/services")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("refused peer: %s, want 403", resp.Status)
		}
	}
	if got := strings.Count(logs.String(), "control request refused"); got != refusalLogBurst {
		t.Errorf("%d refusal records for %d refusals in a moment, want %d", got, refusalLogBurst+5, refusalLogBurst)
	}
}
