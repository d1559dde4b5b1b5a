package transport

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Tokens of the rotation tests, besides testToken; tokenC is longer than
// the others, so a rewrite in place changes the file's size as well.
const (
	tokenB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	tokenC = "cccccccccccccccccccccccccccccccccccccccccccccccc"
)

// Records of the token file's reload (see tokenSource).
const (
	tokenInForceLog = "HTTP API token changed on disk"
	tokenKeptLog    = "cannot be used"
)

// writeTokenFile writes token to a new 0600 token file and returns its
// path.
func writeTokenFile(t *testing.T, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "http.token")
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// replaceFile puts a new file of the given content and mode in place of
// path, as an editor or `install` does: written under another name, then
// renamed over it.
func replaceFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, perm); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// tokenClient is an HTTP client that keeps its connections open, and
// says whether the last request went over one already used.
type tokenClient struct {
	t      *testing.T
	srv    tcpServer
	hc     *http.Client
	reused bool
}

func newTokenClient(t *testing.T, srv tcpServer) *tokenClient {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &tokenClient{t: t, srv: srv, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// status sends GET /v1/services with token and returns the answer's
// status.
func (c *tokenClient) status(token string) int {
	c.t.Helper()
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { c.reused = info.Reused }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(c.t.Context(), trace), "GET", c.srv.url+"/v1/services", nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode
}

// wantStatus checks the status of a request with token.
func (c *tokenClient) wantStatus(token string, want int, what string) {
	c.t.Helper()
	if got := c.status(token); got != want {
		c.t.Errorf("%s: status %d, want %d\n%s", what, got, want, c.srv.logs)
	}
}

// noTokenLogged fails t if one of tokens, or a part of it, is in logs.
func noTokenLogged(t *testing.T, logs string, tokens ...string) {
	t.Helper()
	for _, tok := range tokens {
		if strings.Contains(logs, tok[:12]) {
			t.Errorf("a token is in the log:\n%s", logs)
		}
	}
}

// TestTCPTokenRotatedOnDisk: a token file rewritten on disk (a new file
// renamed over it, or the file rewritten in place) is read again at the
// next request: the new token is accepted and the old one refused, even
// on a connection kept open since it was accepted. The token was read at
// start only: rotating a leaked token needed a restart of superd, and
// until then the leaked one kept working.
func TestTCPTokenRotatedOnDisk(t *testing.T) {
	file := writeTokenFile(t, testToken)
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{Token: testToken, TokenFile: file})
	c := newTokenClient(t, srv)
	c.wantStatus(testToken, http.StatusOK, "the token at start")

	replaceFile(t, file, tokenB+"\n", 0o600)
	c.wantStatus(testToken, http.StatusUnauthorized, "the old token, after a new file was renamed over the old one")
	if !c.reused {
		t.Error("the old token's request did not reuse the connection it was accepted on: the test proves nothing about kept connections")
	}
	c.wantStatus(tokenB, http.StatusOK, "the new token")

	renewInPlace(t, file, []byte(tokenC+"\n"))
	c.wantStatus(tokenC, http.StatusOK, "the token written in place")
	if !c.reused {
		t.Error("the new token's request did not reuse a connection")
	}
	c.wantStatus(tokenB, http.StatusUnauthorized, "the token before the rewrite in place")
	c.wantStatus(testToken, http.StatusUnauthorized, "the first token")

	logs := srv.logs.String()
	if n := strings.Count(logs, tokenInForceLog); n != 2 {
		t.Errorf("%d records of a new token in force, want 2 (one per change):\n%s", n, logs)
	}
	if !strings.Contains(logs, "level=INFO msg=\""+tokenInForceLog) || !strings.Contains(logs, "file="+file) {
		t.Errorf("the new token in force is not an Info record naming the file:\n%s", logs)
	}
	if strings.Contains(logs, tokenKeptLog) {
		t.Errorf("a warning for files that load:\n%s", logs)
	}
	noTokenLogged(t, logs, testToken, tokenB, tokenC)
}

// TestTCPTokenFileUnusableKeepsToken: a token file that cannot be used
// after a change (half-written, removed, refused for its mode or
// content) leaves the token in force, with one warning however many
// requests follow; the next change is tried again, and a file fixed by a
// chmod alone (which changes neither its size nor its time) is seen.
func TestTCPTokenFileUnusableKeepsToken(t *testing.T) {
	for _, tc := range []struct {
		name        string
		break_, fix func(t *testing.T, file string)
	}{
		{"empty", func(t *testing.T, file string) { renewInPlace(t, file, nil) },
			func(t *testing.T, file string) { renewInPlace(t, file, []byte(tokenB+"\n")) }},
		{"half-written", func(t *testing.T, file string) { renewInPlace(t, file, []byte(tokenB[:10])) },
			func(t *testing.T, file string) { renewInPlace(t, file, []byte(tokenB+"\n")) }},
		{"malformed", func(t *testing.T, file string) { renewInPlace(t, file, []byte(tokenB+" "+tokenC+"\n")) },
			func(t *testing.T, file string) { renewInPlace(t, file, []byte(tokenB+"\n")) }},
		{"too large", func(t *testing.T, file string) { renewInPlace(t, file, []byte(strings.Repeat("b", maxTokenFile+1))) },
			func(t *testing.T, file string) { replaceFile(t, file, tokenB, 0o600) }},
		{"mode 0644", func(t *testing.T, file string) { replaceFile(t, file, tokenB+"\n", 0o644) },
			func(t *testing.T, file string) {
				if err := os.Chmod(file, 0o600); err != nil {
					t.Fatal(err)
				}
			}},
		{"removed", func(t *testing.T, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, file string) { replaceFile(t, file, tokenB+"\n", 0o600) }},
		{"a directory", func(t *testing.T, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(file, 0o700); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			replaceFile(t, file, tokenB+"\n", 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeTokenFile(t, testToken)
			srv := serveTCP(t, newFakeBackend("web"), TCPOptions{Token: testToken, TokenFile: file})
			c := newTokenClient(t, srv)
			c.wantStatus(testToken, http.StatusOK, "the token at start")

			tc.break_(t, file)
			for range 3 {
				c.wantStatus(testToken, http.StatusOK, "the token in force, after a change that cannot be used")
				c.wantStatus(tokenB, http.StatusUnauthorized, "the token of a file that cannot be used")
			}
			logs := srv.logs.String()
			if n := strings.Count(logs, tokenKeptLog); n != 1 {
				t.Errorf("%d warnings, want 1 (one per change, not per request):\n%s", n, logs)
			}
			if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "file="+file) {
				t.Errorf("the warning is not a Warn record naming the file:\n%s", logs)
			}
			if strings.Contains(logs, tokenInForceLog) {
				t.Errorf("a token in force from a file that cannot be used:\n%s", logs)
			}

			tc.fix(t, file)
			c.wantStatus(tokenB, http.StatusOK, "the token of the fixed file")
			c.wantStatus(testToken, http.StatusUnauthorized, "the token before the fix")
			logs = srv.logs.String()
			if n := strings.Count(logs, tokenInForceLog); n != 1 {
				t.Errorf("%d records of a new token in force, want 1:\n%s", n, logs)
			}
			if n := strings.Count(logs, tokenKeptLog); n != 1 {
				t.Errorf("%d warnings after the fix, want 1:\n%s", n, logs)
			}
			noTokenLogged(t, logs, testToken, tokenB, tokenC)
		})
	}
}

// TestTCPTokenFileUnreadableIsTriedAgain: a token file that cannot be
// read (one only root may read, until a chown that changes neither its
// size nor its time; too many open files) is tried again at the next
// request, without a warning each time, and its token is in force once it
// is read.
func TestTCPTokenFileUnreadableIsTriedAgain(t *testing.T) {
	file := writeTokenFile(t, testToken)
	logs := &syncBuffer{}
	s := newTokenSource(testToken, file, slog.New(slog.NewTextHandler(logs, nil)))
	renewInPlace(t, file, []byte(tokenB+"\n"))
	// The tests run as root too, which reads any file: the refusal is
	// the loader's.
	s.load = func(path string) (string, error) {
		return "", &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
	}
	for range 3 {
		if !s.check(testToken) || s.check(tokenB) {
			t.Fatal("a file that cannot be read replaced the token in force")
		}
	}
	if n := strings.Count(logs.String(), tokenKeptLog); n != 1 {
		t.Errorf("%d warnings, want 1 (per change, not per request):\n%s", n, logs)
	}
	s.load = loadToken // chowned: readable, its stat unchanged
	if !s.check(tokenB) || s.check(testToken) {
		t.Error("the token of the file readable again is not in force")
	}
	if !strings.Contains(logs.String(), tokenInForceLog) {
		t.Errorf("the new token is not logged:\n%s", logs)
	}
}

// TestTCPTokenFileChangedWhileRead: a token read while the file changed
// (truncated, then written: what was read may be a part of the new token)
// is not taken; the file is read again at the next request.
func TestTCPTokenFileChangedWhileRead(t *testing.T) {
	file := writeTokenFile(t, testToken)
	logs := &syncBuffer{}
	s := newTokenSource(testToken, file, slog.New(slog.NewTextHandler(logs, nil)))
	renewInPlace(t, file, []byte(tokenB[:20]))
	s.load = func(path string) (string, error) {
		tok, err := loadToken(path) // a part of tokenB, long enough to pass
		renewInPlace(t, path, []byte(tokenB+"\n"))
		return tok, err
	}
	if !s.check(testToken) || s.check(tokenB[:20]) {
		t.Fatal("a token read while the file changed was taken")
	}
	s.load = loadToken
	if !s.check(tokenB) || s.check(testToken) || s.check(tokenB[:20]) {
		t.Error("the file written in full is not read again")
	}
	if n := strings.Count(logs.String(), tokenInForceLog); n != 1 {
		t.Errorf("%d records of a new token, want 1:\n%s", n, logs)
	}
}

// TestTCPTokenRotationConcurrent: requests served while the token file
// is rotated over and over get a 200 or a 401, nothing else, and the
// token of the last rotation is the one in force (run with -race).
func TestTCPTokenRotationConcurrent(t *testing.T) {
	file := writeTokenFile(t, testToken)
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{Token: testToken, TokenFile: file})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var served atomic.Int64
	errs := make(chan error, 8)
	for i := range 8 {
		c := newTokenClient(t, srv)
		tok := []string{testToken, tokenB}[i%2]
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if st := c.statusNoFail(tok); st != http.StatusOK && st != http.StatusUnauthorized {
					errs <- fmt.Errorf("status %d", st)
					return
				}
				served.Add(1)
			}
		})
	}
	// Requests come between the rotations, each a few, not all
	// before or after them.
	waitServed := func() {
		t.Helper()
		target := served.Load() + 16
		deadline := time.Now().Add(10 * time.Second)
		for served.Load() < target {
			if time.Now().After(deadline) {
				t.Fatal("timed out waiting for requests")
			}
			time.Sleep(time.Millisecond)
		}
	}
	for i := range 20 {
		tok := []string{tokenB, testToken}[i%2]
		if i%3 == 0 {
			renewInPlace(t, file, []byte(tok+"\n"))
		} else {
			replaceFile(t, file, tok+"\n", 0o600)
		}
		waitServed()
	}
	replaceFile(t, file, tokenC+"\n", 0o600)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c := newTokenClient(t, srv)
	c.wantStatus(tokenC, http.StatusOK, "the last token")
	c.wantStatus(testToken, http.StatusUnauthorized, "a token rotated out")
	c.wantStatus(tokenB, http.StatusUnauthorized, "a token rotated out")
}

// statusNoFail is status for goroutines other than the test's: 0 when
// the request fails.
func (c *tokenClient) statusNoFail(token string) int {
	req, err := http.NewRequestWithContext(c.t.Context(), "GET", c.srv.url+"/v1/services", nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestListenTCPTokenFileOnly: with a TokenFile and no Token, ListenTCP
// reads the file and refuses one that does not load; the handler serves
// its token.
func TestListenTCPTokenFileOnly(t *testing.T) {
	file := writeTokenFile(t, tokenB)
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{TokenFile: file})
	c := newTokenClient(t, srv)
	c.wantStatus(tokenB, http.StatusOK, "the file's token")
	c.wantStatus(testToken, http.StatusUnauthorized, "another token")
	if strings.Contains(srv.logs.String(), tokenKeptLog) {
		t.Errorf("a warning for a file that loads:\n%s", srv.logs)
	}

	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ListenTCP(t.Context(), TCPOptions{Addr: "127.0.0.1:0", TokenFile: file})
	if !errors.Is(err, ErrTokenFileInsecure) {
		t.Errorf("ListenTCP with a token file of mode 0644: %v, want ErrTokenFileInsecure", err)
	}
	_, err = ListenTCP(t.Context(), TCPOptions{Addr: "127.0.0.1:0", TokenFile: filepath.Join(t.TempDir(), "none")})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ListenTCP with a missing token file: %v, want fs.ErrNotExist", err)
	}
}
