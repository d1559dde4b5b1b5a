//go:build linux

package actors_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// An embedding program that asks for a free port ("127.0.0.1:0") learns
// the one the system chose from HTTPAddr once the supervisor is ready, and
// can reach the API there.
func TestEmbedHTTPAddr(t *testing.T) {
	dir := t.TempDir()
	sup, err := actors.New(actors.Config{LogDir: dir,
		HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: filepath.Join(dir, "token")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sup.HTTPAddr(); got != "" {
		t.Errorf("HTTPAddr before Run = %q, want \"\"", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(ctx) }()
	defer waitRun(t, ran)
	defer cancel()
	select {
	case <-sup.Ready():
	case err := <-ran:
		t.Fatalf("Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("not ready")
	}

	addr := sup.HTTPAddr()
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" || port == "0" || port == "" {
		t.Fatalf("HTTPAddr() = %q (%v), want 127.0.0.1 and the port chosen", addr, err)
	}
	token, err := transport.ReadTokenFile(filepath.Join(dir, "token"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v1/version", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/version at HTTPAddr: %v", err)
	}
	defer resp.Body.Close()
	var v transport.VersionInfo
	if err := json.NewDecoder(resp.Body).Decode(&v); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET /v1/version at HTTPAddr: %d, %v", resp.StatusCode, err)
	}
}

// Without an HTTP API, HTTPAddr stays empty.
func TestEmbedHTTPAddrWithoutAPI(t *testing.T) {
	sup, _, _ := embedded(t, actors.Config{Services: []*config.Service{config.New("s", "sleep", "60")}})
	if got := sup.HTTPAddr(); got != "" {
		t.Errorf("HTTPAddr() = %q, want \"\"", got)
	}
}

// A token file that cannot be created (here its directory is missing; a
// read-only config dir is the common case for the default one) stops Run with an error that
// names the token file itself, not a temporary file beside it, and says
// how to give another one.
func TestEmbedTokenFileCannotBeCreated(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "missing", actors.DefaultTokenFile)
	err := runWithTokenFile(t, dir, file)
	msg := err.Error()
	for _, want := range []string{file + ":", "no such file or directory", "--http-token-file", "HTTPTokenFile="} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "."+actors.DefaultTokenFile+".") || strings.Contains(msg, "\n") {
		t.Errorf("error %q names a temporary file, or is not one line", msg)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap its cause", err)
	}
}

// A request still in flight when the supervisor shuts down (a stop that
// waits for TimeoutStopSec) is answered 503 "shutting down" within the
// server's grace, as the API documents, rather than cut without an answer
// (which a client reports as a bare EOF).
func TestEmbedRequestInFlightAtShutdown(t *testing.T) {
	dir := t.TempDir()
	socket := filepath.Join(dir, "s.sock")
	stubborn := config.New("stubborn", "/bin/sh", "-c", `trap "" TERM; echo ready; while :; do sleep 0.1; done`)
	stubborn.TimeoutStopSec = 5 * time.Second
	sup, cancel, ran := embedded(t, actors.Config{Socket: socket, LogDir: dir, Services: []*config.Service{stubborn}})
	client := transport.NewClient(socket)

	ctx, cancelReq := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelReq()
	// SIGTERM is ignored once the shell says so.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if b, _ := os.ReadFile(filepath.Join(dir, "stubborn", "stdout.log")); strings.Contains(string(b), "ready") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stubborn did not start")
		}
	}
	stopped := make(chan error, 1)
	go func() {
		_, err := client.Stop(ctx, "stubborn")
		stopped <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := sup.Status(ctx, "stubborn")
		if err == nil && st.State == actors.StateStopping {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stubborn not stopping: %+v, %v", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	var err error
	select {
	case err = <-stopped:
	case <-time.After(15 * time.Second):
		t.Fatal("the stop in flight got no answer")
	}
	var apiErr *transport.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || !strings.Contains(apiErr.Message, "shutting down") {
		t.Errorf("stop in flight at shutdown: %v (%T), want a 503 saying superd is shutting down", err, err)
	}
	waitRun(t, ran)
}

// An embedding program serves the HTTP API on a port the system chooses,
// and learns which once the supervisor is ready.
func ExampleSupervisor_HTTPAddr() {
	dir, err := os.MkdirTemp("", "example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	sup, err := actors.New(actors.Config{LogDir: dir, HTTP: actors.HTTPConfig{
		Addr:      "127.0.0.1:0",
		TokenFile: filepath.Join(dir, "http.token"), // created with a random token
	}})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- sup.Run(ctx) }()
	select {
	case <-sup.Ready():
	case err := <-errc:
		panic(err)
	}
	_, port, _ := net.SplitHostPort(sup.HTTPAddr())
	fmt.Println("API on 127.0.0.1, port chosen:", port != "0")
	cancel()
	if err := <-errc; err != nil {
		panic(err)
	}
	// Output: API on 127.0.0.1, port chosen: true
}

// An embedding program that serves the Supervisor with its own server
// (transport.NewHandler) gets 503, not 500, once Run has returned: the
// supervisor is not running, which is no internal error.
func TestEmbedHandlerAfterRunAnswers503(t *testing.T) {
	sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{config.New("web", "sleep", "64")}})
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Status(context.Background(), "web"); !errors.Is(err, actors.ErrNotRunning) || !errors.Is(err, transport.ErrUnavailable) {
		t.Fatalf("Status after Run: %v, want ErrNotRunning matching transport.ErrUnavailable", err)
	}
	rec := httptest.NewRecorder()
	transport.NewHandler(sup, transport.HandlerOptions{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/services/web", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "not running") {
		t.Errorf("GET /v1/services/web after Run: %d %s, want 503", rec.Code, rec.Body.String())
	}
}
