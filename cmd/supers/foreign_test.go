//go:build unix

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// serveGarbage listens on a new Unix socket and answers each request with
// a line that is not HTTP.
func serveGarbage(t *testing.T) string {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "other.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					_, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n")
				}
				_ = c.(*net.UnixConn).CloseWrite()
				_, _ = io.Copy(io.Discard, c)
			})
		}
	})
	return path
}

// supers --socket PATH, where another program listens, said "talking to
// superd at PATH: net/http: ... malformed HTTP response", and a reload
// answered 404 by another web server "superd at PATH does not support
// reload (is it older than supers?)"; events, "superd at PATH does not
// serve events (is it older than supers?)".
func TestForeignServerAtSocket(t *testing.T) {
	garbage := serveGarbage(t)
	r := runAgainst(t, garbage, "status")
	want := "supers: what answers at " + garbage + " does not speak superd's API (its answer is not HTTP): "
	if r.code != 1 || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, `malformed HTTP response "SSH-2.0-OpenSSH_9.6"`) {
		t.Errorf("status: code %d, stderr %q\nwant it to start with %q", r.code, r.stderr, want)
	}

	web := serveDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "<html>not here</html>")
	}))
	for _, cmd := range []string{"reload", "check", "events"} {
		r = runAgainst(t, web, cmd)
		want := "supers: what answers at " + web + " does not speak superd's API (it answered 404 Not Found without superd's JSON error)\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("%s: code %d, stderr %q\nwant %q", cmd, r.code, r.stderr, want)
		}
	}
}
