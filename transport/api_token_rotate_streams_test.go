package transport

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// followEvents opens GET /v1/events?follow=true on srv with token and
// returns its body, once the answer has started.
func followEvents(t *testing.T, srv tcpServer, token string) *bufio.Reader {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", srv.url+"/v1/events?follow=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("follow: status %d", resp.StatusCode)
	}
	return bufio.NewReader(resp.Body)
}

// nextEvent reads the next event of a followed stream, or the error that
// ends it.
func nextEvent(r *bufio.Reader) (notify.Event, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return notify.Event{}, err
	}
	var e notify.Event
	return e, json.Unmarshal(line, &e)
}

// A stream followed with a token that the token file then replaces ends
// at the request that puts the new token in force: the leaked token of a
// follower of the events (or of a service's logs) was refused for new
// requests, but its stream went on for good. A change of the file that
// leaves the token in force (a file that cannot be used) ends nothing.
func TestTCPTokenRotatedEndsItsStreams(t *testing.T) {
	file := writeTokenFile(t, testToken)
	fb := newFakeBackend("web")
	fb.live = make(chan notify.Event, 4)
	srv := serveTCP(t, fb, TCPOptions{Token: testToken, TokenFile: file})
	c := newTokenClient(t, srv)
	stream := followEvents(t, srv, testToken)

	// A change that cannot be used: the token, and its stream, stay.
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	c.wantStatus(testToken, http.StatusOK, "the token in force, its file refused for its mode")
	fb.live <- notify.NewEvent(notify.TypeStart, "web")
	if e, err := nextEvent(stream); err != nil || e.Type != notify.TypeStart {
		t.Fatalf("the stream after a change that keeps its token: %+v, %v", e, err)
	}

	replaceFile(t, file, tokenB+"\n", 0o600)
	c.wantStatus(tokenB, http.StatusOK, "the new token")
	done := make(chan error, 1)
	go func() {
		_, err := nextEvent(stream)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("the stream of the replaced token ended with %v, want it cut (unexpected EOF), not closed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream followed with the replaced token goes on")
	}
	noTokenLogged(t, srv.logs.String(), testToken, tokenB)
}

// A request still waiting for its answer when its token is replaced gets
// a 401 that says so, with the challenge every 401 has (it had none).
func TestTCPTokenRotatedEndsWaitingRequest(t *testing.T) {
	file := writeTokenFile(t, testToken)
	fb := newFakeBackend("web")
	srv := serveTCP(t, fb, TCPOptions{Token: testToken, TokenFile: file})
	fb.mu.Lock()
	fb.block = true
	fb.mu.Unlock()
	type answer struct {
		status    int
		body      string
		challenge string // WWW-Authenticate
	}
	got := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.url+"/v1/services/web/stop", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
		if err != nil {
			got <- answer{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- answer{resp.StatusCode, string(b), resp.Header.Get("WWW-Authenticate")}
	}()
	waitCalls := time.Now().Add(10 * time.Second)
	for !strings.Contains(strings.Join(fb.callLog(), ","), "stop web") {
		if time.Now().After(waitCalls) {
			t.Fatal("the stop never reached the backend")
		}
		time.Sleep(time.Millisecond)
	}
	replaceFile(t, file, tokenB+"\n", 0o600)
	fb.mu.Lock()
	fb.block = false
	fb.mu.Unlock()
	c := newTokenClient(t, srv)
	c.wantStatus(tokenB, http.StatusOK, "the new token")
	select {
	case a := <-got:
		if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "replaced") || !strings.HasPrefix(a.challenge, "Bearer") {
			t.Fatalf("the request of the replaced token: status %d, %s, WWW-Authenticate %q; want a 401 saying its token was replaced, with a Bearer challenge", a.status, a.body, a.challenge)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request of the replaced token still waits")
	}
}
