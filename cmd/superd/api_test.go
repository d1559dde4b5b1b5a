//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// These tests drive the control API of a real superd over HTTP, on TCP and
// on the Unix socket, as dashboards and scripts do.

var listenLine = regexp.MustCompile(`msg="HTTP API listening" addr=(\S+)`)

// withHTTP makes d serve the HTTP API on a free loopback port.
func (d *daemon) withHTTP(args ...string) *daemon {
	d.extraArgs = append(d.extraArgs, append([]string{"--http", "127.0.0.1:0"}, args...)...)
	return d
}

// api is an HTTP client of one superd, over TCP or over its socket.
type api struct {
	t     *testing.T
	base  string // http://127.0.0.1:PORT, or http://superd for the socket
	token string // sent as a bearer token when not empty
	hc    *http.Client
}

// tcpAPI returns a client of d's TCP API carrying the token superd
// created in its config dir.
func (d *daemon) tcpAPI() *api {
	d.t.Helper()
	var addr string
	waitFor(d.t, 10*time.Second, "the HTTP API's address in superd's log", func() bool {
		m := listenLine.FindStringSubmatch(d.stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	token, err := transport.ReadTokenFile(filepath.Join(d.dir, "http.token"))
	if err != nil {
		d.t.Fatal(err)
	}
	return &api{t: d.t, base: "http://" + addr, token: token, hc: &http.Client{Timeout: 30 * time.Second}}
}

// socketAPI returns a client of d's Unix socket.
func (d *daemon) socketAPI() *api {
	var dialer net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, "unix", d.socket)
	}}
	return &api{t: d.t, base: "http://superd", hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// answer is an HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.status, bytes.TrimSpace(a.body)) }

// decode decodes a JSON answer into v.
func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %s: %v", a, err)
	}
}

// do sends one request; header holds extra headers (Authorization is set
// from c.token unless header has one).
func (c *api) do(method, path string, body []byte, header ...string) answer {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// want checks an answer's status and that error answers are JSON errors.
func want(t *testing.T, a answer, status int, what string) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: %s, want %d", what, a, status)
	}
	if status >= 400 {
		var eb transport.ErrorBody
		if err := json.Unmarshal(a.body, &eb); err != nil || eb.Error == "" {
			t.Fatalf("%s: error answer is not a JSON error: %s", what, a)
		}
	}
	return a
}

func TestHTTPAuthMatrix(t *testing.T) {
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).withHTTP().start()
	d.waitRunning("web")
	tcp := d.tcpAPI()

	// The token file was created private, and the token is in no log.
	fi, err := os.Stat(filepath.Join(d.dir, "http.token"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, %v; want mode 0600", fi, err)
	}
	if strings.Contains(d.stderr.String(), tcp.token) {
		t.Fatal("the token appears in superd's log")
	}

	noToken := &api{t: t, base: tcp.base, hc: tcp.hc}
	wrong := &api{t: t, base: tcp.base, token: strings.Repeat("f", len(tcp.token)), hc: tcp.hc}
	want(t, noToken.do("GET", "/v1/services", nil), 401, "no token")
	a := want(t, wrong.do("GET", "/v1/services", nil), 401, "wrong token")
	if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: Bearer: %v", a.header)
	}
	want(t, wrong.do("POST", "/v1/services/web/stop", nil), 401, "stop with a wrong token")
	if st := d.status("web"); st.State != "running" {
		t.Fatalf("a refused stop stopped web: %+v", st)
	}
	want(t, tcp.do("GET", "/v1/services", nil, "Authorization", "Basic "+tcp.token), 401, "Basic instead of Bearer")

	var list []transport.ServiceStatus
	want(t, tcp.do("GET", "/v1/services", nil), 200, "right token").decode(t, &list)
	if len(list) != 1 || list[0].Name != "web" || list[0].State != "running" {
		t.Fatalf("list over TCP: %+v", list)
	}
	// Liveness needs no token; the socket needs none either.
	want(t, noToken.do("GET", "/healthz", nil), 200, "healthz without a token")
	want(t, d.socketAPI().do("GET", "/v1/services", nil), 200, "socket without a token")
	// DNS rebinding: a foreign Host is refused even with the token.
	want(t, tcp.do("GET", "/v1/services", nil, "Host", "evil.example"), http.StatusMisdirectedRequest, "foreign Host")
	// No CORS.
	a = tcp.do("OPTIONS", "/v1/services", nil, "Origin", "http://evil.example", "Access-Control-Request-Method", "POST")
	if a.header.Get("Access-Control-Allow-Origin") != "" || a.status < 400 {
		t.Fatalf("preflight answered %s with %v", a, a.header)
	}
	// Every refusal is logged, without the token that was offered.
	waitFor(t, 20*time.Second, "the refusals in the log", func() bool {
		return strings.Count(d.stderr.String(), "refused: missing or invalid bearer token") >= 4 &&
			strings.Contains(d.stderr.String(), "refused: Host not allowed")
	})
	if strings.Contains(d.stderr.String(), wrong.token) {
		t.Fatal("a wrong token was logged")
	}
}

func TestHTTPEndpoints(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"web.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	})
	// Records each SIGHUP in a file; a shell because the service asks for one.
	hupFile := filepath.Join(d.dir, "..", "hups")
	d.writeFile("hup.service", "[Service]\nEnvironment=HUPFILE="+hupFile+"\nExecStart=/bin/sh -c 'trap \"echo hup >> $HUPFILE\" HUP; touch $HUPFILE.trapped; while :; do sleep 0.05; done'\n")
	d.withHTTP().start()
	d.waitRunning("web")
	d.waitRunning("hup")
	// Running is not enough: a SIGHUP before the shell has set its trap
	// ends it (seen on a loaded machine, 196 ms after the start).
	waitFor(t, 20*time.Second, "hup's trap set", func() bool {
		_, err := os.Stat(hupFile + ".trapped")
		return err == nil
	})
	ctx := t.Context()
	tcp := d.tcpAPI()
	c, err := transport.NewRemoteClient(tcp.base, tcp.token)
	if err != nil {
		t.Fatal(err)
	}

	// The remote client does everything the socket client does.
	st, err := c.Status(ctx, "web")
	if err != nil || st.State != "running" {
		t.Fatalf("status: %+v, %v", st, err)
	}
	old := st.PID
	if st, err = c.Restart(ctx, "web"); err != nil || st.PID == old || st.PID == 0 {
		t.Fatalf("restart: %+v, %v (old pid %d)", st, err, old)
	}
	d.track(st.PID)
	if st, err = c.Stop(ctx, "web"); err != nil || st.State != "stopped" || alive(old) {
		t.Fatalf("stop: %+v, %v", st, err)
	}
	if st, err = c.Start(ctx, "web"); err != nil || st.State != "running" {
		t.Fatalf("start: %+v, %v", st, err)
	}
	d.track(st.PID)
	if _, err = c.Status(ctx, "nope"); !errors.Is(err, transport.ErrUnknownService) {
		t.Fatalf("unknown service: %v", err)
	}
	if res, err := c.Reload(ctx); err != nil || len(res.Unchanged) != 2 {
		t.Fatalf("reload: %+v, %v", res, err)
	}
	if errs, err := c.CheckConfig(ctx); err != nil || len(errs) != 0 {
		t.Fatalf("check: %+v, %v", errs, err)
	}
	if errs, err := c.ConfigErrors(ctx); err != nil || len(errs) != 0 {
		t.Fatalf("config errors: %+v, %v", errs, err)
	}
	if v, err := c.Version(ctx); err != nil || v.GoVersion == "" {
		t.Fatalf("version: %+v, %v", v, err)
	}
	var starts int
	if err := c.Events(ctx, "web", false, func(ev notify.Event) error {
		if ev.Type == "start" {
			starts++
		}
		return nil
	}); err != nil || starts < 3 {
		t.Fatalf("events: %d starts, %v", starts, err)
	}

	// Signal: delivered to the group, named in any form; errors are clear.
	for i, sig := range []string{"HUP", "sighup", "1"} {
		if _, err := c.Signal(ctx, "hup", sig); err != nil {
			t.Fatalf("signal %s: %v", sig, err)
		}
		waitFor(t, 20*time.Second, fmt.Sprintf("%d SIGHUPs recorded", i+1), func() bool {
			b, _ := os.ReadFile(hupFile)
			return strings.Count(string(b), "hup") == i+1
		})
	}
	if _, err := c.Signal(ctx, "hup", "SIGNOPE"); !errors.Is(err, transport.ErrInvalidArgument) {
		t.Fatalf("unknown signal: %v", err)
	}
	if _, err := c.Stop(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Signal(ctx, "web", "HUP"); !errors.Is(err, transport.ErrConflict) {
		t.Fatalf("signal a stopped service: %v", err)
	}

	// Bad requests, as JSON errors.
	want(t, tcp.do("POST", "/v1/services/hup/signal", []byte(`{"signal":`)), 400, "malformed JSON")
	want(t, tcp.do("POST", "/v1/services/hup/signal", []byte(`{"signal":"HUP","pid":1}`)), 400, "unknown field")
	want(t, tcp.do("POST", "/v1/services/hup/signal", bytes.Repeat([]byte(" "), 2<<20)), 413, "oversized body")
	want(t, tcp.do("GET", "/v1/nothing", nil), 404, "unknown route")
	want(t, tcp.do("DELETE", "/v1/services/web", nil), 405, "wrong method")
	want(t, tcp.do("GET", "/v1/services/hup/logs?tail=x", nil), 400, "bad tail")
	want(t, tcp.do("GET", "/v1/services/hup/logs?stream=stdin", nil), 400, "bad stream")
	want(t, tcp.do("GET", "/v1/services/nope/logs", nil), 404, "logs of an unknown service")
	// A malformed name is a bad request on every route, as openapi.json says.
	want(t, tcp.do("GET", "/v1/services/a%20b", nil), 400, "status of a malformed name")
	want(t, tcp.do("POST", "/v1/services/a%20b/stop", nil), 400, "stop of a malformed name")
	want(t, tcp.do("POST", "/v1/services/a%20b/restart", nil), 400, "restart of a malformed name")
	want(t, tcp.do("POST", "/v1/services/a%20b/start", nil), 400, "start of a malformed name")
	want(t, tcp.do("POST", "/v1/services/a%20b/signal", []byte(`{"signal":"HUP"}`)), 400, "signal of a malformed name")
	var doc map[string]any
	want(t, tcp.do("GET", "/v1/openapi.json", nil), 200, "OpenAPI document").decode(t, &doc)
	if doc["openapi"] == nil {
		t.Fatalf("openapi.json: %v", doc)
	}
}

func TestHTTPLogsTailAndFollowAcrossRotation(t *testing.T) {
	const n = 400000 // about 2.7 MB of lines: two rotations at 1 MiB
	d := newDaemon(t, map[string]string{
		"seq.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'seq 1 %d; exec sleep 1000'\nAutoStart=no\n[Log]\nMaxSize=1M\n", n),
	}).withHTTP().start()
	tcp := d.tcpAPI()

	// Follow from before the first line, then start the writer.
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", tcp.base+"/v1/services/seq/logs?tail=all&follow=true", nil)
	req.Header.Set("Authorization", "Bearer "+tcp.token)
	resp, err := tcp.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("follow: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := d.client.Start(ctx, "seq"); err != nil {
		t.Fatal(err)
	}

	var want bytes.Buffer
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&want, "%d\n", i)
	}
	got := make([]byte, 0, want.Len())
	buf := make([]byte, 64<<10)
	for len(got) < want.Len() {
		k, err := resp.Body.Read(buf)
		got = append(got, buf[:k]...)
		if err != nil {
			t.Fatalf("follow ended after %d of %d bytes: %v", len(got), want.Len(), err)
		}
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("followed output differs from what was written (%d bytes, want %d)", len(got), want.Len())
	}
	rotated, _ := filepath.Glob(filepath.Join(d.logDir, "seq", "stdout-*.log*"))
	if len(rotated) < 2 {
		t.Fatalf("%d rotated files; the test needs the log to rotate at least twice", len(rotated))
	}

	// The tail of the live file: its last lines only.
	a := want200(t, tcp.do("GET", "/v1/services/seq/logs?tail=3", nil))
	if string(a.body) != fmt.Sprintf("%d\n%d\n%d\n", n-2, n-1, n) {
		t.Fatalf("tail=3: %q", a.body)
	}
	// The client going away ends the stream without disturbing superd.
	cancel()
	d.status("seq")
}

func want200(t *testing.T, a answer) answer {
	t.Helper()
	return want(t, a, 200, "request")
}

func TestHTTPConcurrentClients(t *testing.T) {
	files := map[string]string{}
	const services = 4
	for i := range services {
		files[fmt.Sprintf("s%d.service", i)] = fmt.Sprintf("[Service]\nExecStart=/bin/sleep 100%d\nTimeoutStopSec=5s\n", i)
	}
	d := newDaemon(t, files).start()
	for i := range services {
		d.waitRunning(fmt.Sprintf("s%d", i))
	}
	c := transport.NewClient(d.socket)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for g := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("s%d", g%services)
			for i := range 5 {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				var st transport.ServiceStatus
				var err error
				op := (g + i) % 3
				switch op {
				case 0:
					st, err = c.Start(ctx, name)
					if err == nil && (st.State != "running" || st.PID == 0) {
						err = fmt.Errorf("start %s answered %s pid %d", name, st.State, st.PID)
					}
				case 1:
					st, err = c.Stop(ctx, name)
					if err == nil && (st.State != "stopped" || st.PID != 0) {
						err = fmt.Errorf("stop %s answered %s pid %d", name, st.State, st.PID)
					}
				case 2:
					st, err = c.Status(ctx, name)
					if err == nil && st.Name != name {
						err = fmt.Errorf("status %s answered about %q", name, st.Name)
					}
				}
				cancel()
				if err != nil && !errors.Is(err, transport.ErrConflict) {
					errs <- err
				}
				d.track(st.PID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Whatever the interleaving, no service has two processes: superd's
	// children are at most one per service, each the one status reports.
	for i := range services {
		name := fmt.Sprintf("s%d", i)
		if _, err := c.Start(t.Context(), name); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for _, pid := range childrenOf(d.cmd.Process.Pid) {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
			seen[strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")]++
		}
	}
	for i := range services {
		arg := fmt.Sprintf("/bin/sleep 100%d", i)
		if seen[arg] != 1 {
			t.Errorf("%d processes run %q (want 1): %v", seen[arg], arg, seen)
		}
	}
}
