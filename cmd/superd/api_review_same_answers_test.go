//go:build linux

package main

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// The Unix socket and the TCP API (with the token) give the same answer
// to the same request, as README.md says ("serves the same API"): the
// same status, the same headers that matter, and, for the answers that
// do not change from one request to the next, the same body. Every kind
// of bad request is among them.
func TestAPISocketAndTCPAnswerAlike(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"web.service": "[Service]\nExecStart=/bin/sh -c 'echo hello; exec sleep 1000'\nUser=nobody\n",
	}).withHTTP("--http-allow-edit").start()
	d.waitRunning("web")
	sock, tcp := d.socketAPI(), d.tcpAPI()
	waitFor(t, 10*time.Second, "web's first line in its log", func() bool {
		return string(sock.do("GET", "/v1/services/web/logs?tail=1", nil).body) == "hello\n"
	})

	big := bytes.Repeat([]byte("x"), 1<<20+1)
	for _, tc := range []struct {
		method, path string
		body         []byte
		header       []string
		status       int
		sameBody     bool
	}{
		{"GET", "/v1/services/nope", nil, nil, http.StatusNotFound, true},
		{"GET", "/v1/services/a%2Fb", nil, nil, http.StatusBadRequest, true},
		{"GET", "/v1/services/..%2Fweb", nil, nil, http.StatusBadRequest, true},
		{"GET", "//v1/services", nil, nil, http.StatusNotFound, true},
		{"GET", "/v1/services/web/", nil, nil, http.StatusNotFound, true},
		{"PATCH", "/v1/services", nil, nil, http.StatusMethodNotAllowed, true},
		{"GET", "/v1/services?x=1", nil, nil, http.StatusBadRequest, true},
		{"POST", "/v1/reload?dry_run=true", nil, nil, http.StatusBadRequest, true},
		{"POST", "/v1/services/web/signal", []byte(`{"signal":"HUP"`), nil, http.StatusBadRequest, true},
		{"POST", "/v1/services/web/signal", []byte(`{"signal":"FOO"}`), nil, http.StatusBadRequest, true},
		{"POST", "/v1/services/web/signal", []byte(`{"signal":"HUP","x":1}`), nil, http.StatusBadRequest, true},
		{"POST", "/v1/services/nope/signal", []byte(`{"signal":"HUP"}`), nil, http.StatusNotFound, true},
		{"POST", "/v1/services/web/start", big, nil, http.StatusRequestEntityTooLarge, true},
		{"GET", "/v1/services/web/logs?tail=-1", nil, nil, http.StatusBadRequest, true},
		{"GET", "/v1/services/web/logs?stream=both", nil, nil, http.StatusBadRequest, true},
		{"GET", "/v1/services/web/logs?follow", nil, nil, http.StatusBadRequest, true},
		{"GET", "/v1/services/web/logs?tail=1", nil, nil, http.StatusOK, true},
		{"GET", "/v1/services/nope/logs", nil, nil, http.StatusNotFound, true},
		{"GET", "/v1/events?service=", nil, nil, http.StatusBadRequest, true},
		{"GET", "/v1/events?follow=maybe", nil, nil, http.StatusBadRequest, true},
		{"GET", "/v1/services/web/definition", nil, nil, http.StatusOK, true},
		{"GET", "/v1/services/nope/definition", nil, nil, http.StatusNotFound, true},
		{"PUT", "/v1/services/web/definition", []byte(`{"text":"x"}`), []string{"Content-Type", "application/json"}, http.StatusUnsupportedMediaType, true},
		{"PUT", "/v1/services/web/definition", []byte("[Service]\n"), []string{"If-None-Match", "*"}, http.StatusBadRequest, true},
		{"PUT", "/v1/services/web/definition", []byte("[Service]\n"), []string{"If-Match", `W/"abc"`}, http.StatusBadRequest, true},
		{"PUT", "/v1/services/web/definition", []byte("[Service]\nExecStart=/bin/true\nUser=nobody\n"), []string{"If-Match", `"abc"`}, http.StatusPreconditionFailed, true},
		{"PUT", "/v1/services/web/definition", []byte("[Service]\nExecStart=/bin/true\nUser=nobody\nBogus=1\n"), nil, http.StatusBadRequest, true},
		{"DELETE", "/v1/services/nope/definition", nil, nil, http.StatusNotFound, true},
		{"GET", "/v1/config/errors", nil, nil, http.StatusOK, true},
		{"POST", "/v1/config/check", nil, nil, http.StatusOK, true},
		{"GET", "/v1/version", nil, nil, http.StatusOK, true},
		{"GET", "/v1/openapi.json", nil, nil, http.StatusOK, true},
		{"GET", "/healthz", nil, nil, http.StatusOK, true},
		{"GET", "/v1/services/web", nil, nil, http.StatusOK, false}, // its uptime moves
	} {
		s := sock.do(tc.method, tc.path, tc.body, tc.header...)
		c := tcp.do(tc.method, tc.path, tc.body, tc.header...)
		what := tc.method + " " + tc.path
		if s.status != tc.status || c.status != tc.status {
			t.Errorf("%s: socket %s, TCP %s; want %d from both", what, s, c, tc.status)
			continue
		}
		if tc.sameBody && !bytes.Equal(s.body, c.body) {
			t.Errorf("%s: socket %s, TCP %s: not the same answer", what, s, c)
		}
		for _, h := range []string{"Content-Type", "Allow", "ETag", "Cache-Control"} {
			if s.header.Get(h) != c.header.Get(h) {
				t.Errorf("%s: %s %q on the socket, %q on TCP", what, h, s.header.Get(h), c.header.Get(h))
			}
		}
	}
}
