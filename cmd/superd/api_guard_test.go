//go:build linux

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A real superd's TCP API: "OPTIONS *" without the token is refused and
// its connection closed like any other request (net/http answered it
// itself, 200 with the connection kept, so that anyone reaching the port
// could hold its 256 connections); an events filter given without a value
// is a 400, not every service's events; a write precondition the API does
// not evaluate is a 400, and the definition is left as it was.
func TestAPIGuardsOfARealSuperd(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"web.service": "[Service]\nExecStart=/bin/sleep 1000\nUser=nobody\n",
		"db.service":  "[Service]\nExecStart=/bin/sleep 1000\nUser=nobody\n",
	}).withHTTP("--http-allow-edit").start()
	d.waitRunning("web")
	d.waitRunning("db")
	tcp := d.tcpAPI()
	addr := strings.TrimPrefix(tcp.base, "http://")

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("OPTIONS * HTTP/1.1\r\nHost: evil.example\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest || !resp.Close {
		t.Errorf("OPTIONS * with a foreign Host: %s (close %v), want 421 and the connection closed", resp.Status, resp.Close)
	}
	if _, err := br.ReadByte(); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("OPTIONS *: the connection was kept (%v)", err)
	}

	for _, api := range []*api{tcp, d.socketAPI()} {
		a := api.do("GET", "/v1/events?service=", nil)
		if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "query parameter service has no value") {
			t.Errorf("%s GET /v1/events?service=: %s, want 400", api.base, a)
		}
		a = api.do("PUT", "/v1/services/web/definition", []byte("[Service]\nExecStart=/bin/sleep 999\nUser=nobody\n"), "If-None-Match", "*")
		if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "If-None-Match is not supported") {
			t.Errorf("%s PUT with If-None-Match: *: %s, want 400", api.base, a)
		}
	}
	def, err := d.client.Definition(t.Context(), "web")
	if err != nil || !strings.Contains(def.Text, "sleep 1000") {
		t.Errorf("web's definition after the refused PUTs: %q, %v", def.Text, err)
	}
}
