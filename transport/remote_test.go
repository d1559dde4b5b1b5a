package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
)

func TestRemoteClientEveryMethod(t *testing.T) {
	fb := newFakeBackend("web", "db")
	fb.cfgErrs = []ConfigError{badKey}
	fb.check = []ConfigError{badKey}
	fb.reload = ReloadResult{Added: []string{"b", "a"}}
	fb.logText = "one\ntwo\n"
	fb.history = []notify.Event{testEvent(notify.TypeStart, "web", 1), testEvent(notify.TypeStart, "db", 2)}
	fb.live = make(chan notify.Event)
	srv := serveTCP(t, fb, TCPOptions{})
	c, err := NewRemoteClient(srv.url+"/", testToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.Target() != srv.url {
		t.Errorf("Target %q, want %q", c.Target(), srv.url)
	}
	ctx := t.Context()

	if list, err := c.List(ctx); err != nil || len(list) != 2 || list[0].Name != "db" {
		t.Errorf("List: %+v, %v", list, err)
	}
	if st, err := c.Status(ctx, "web"); err != nil || st.State != StateStopped {
		t.Errorf("Status: %+v, %v", st, err)
	}
	if st, err := c.Start(ctx, "web"); err != nil || st.State != StateRunning {
		t.Errorf("Start: %+v, %v", st, err)
	}
	if st, err := c.Signal(ctx, "web", "HUP"); err != nil || st.State != StateRunning {
		t.Errorf("Signal: %+v, %v", st, err)
	}
	if st, err := c.Restart(ctx, "web"); err != nil || st.Restarts != 1 {
		t.Errorf("Restart: %+v, %v", st, err)
	}
	if st, err := c.Stop(ctx, "web"); err != nil || st.State != StateStopped {
		t.Errorf("Stop: %+v, %v", st, err)
	}
	if rc, err := c.Logs(ctx, "web", LogQuery{Tail: -1}); err != nil {
		t.Errorf("Logs: %v", err)
	} else {
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || string(b) != fb.logText {
			t.Errorf("Logs: %q, %v", b, err)
		}
	}
	if errs, err := c.ConfigErrors(ctx); err != nil || !slices.Equal(errs, fb.cfgErrs) {
		t.Errorf("ConfigErrors: %+v, %v", errs, err)
	}
	if errs, err := c.CheckConfig(ctx); err != nil || !slices.Equal(errs, fb.check) {
		t.Errorf("CheckConfig: %+v, %v", errs, err)
	}
	if res, err := c.Reload(ctx); err != nil || !slices.Equal(res.Added, []string{"a", "b"}) || res.Errors == nil {
		t.Errorf("Reload: %+v, %v", res, err)
	}
	if v, err := c.Version(ctx); err != nil || v.Version != "v9" {
		t.Errorf("Version: %+v, %v", v, err)
	}
	var got []notify.Event
	if err := c.Events(ctx, "web", false, func(e notify.Event) error { got = append(got, e); return nil }); err != nil ||
		len(got) != 1 || got[0].ID != fb.history[0].ID {
		t.Errorf("Events: %+v, %v", got, err)
	}

	// Following works too: the stream is flushed through the auth layer.
	events := make(chan notify.Event)
	errc := make(chan error, 1)
	go func() {
		errc <- c.Events(ctx, "", true, func(e notify.Event) error { events <- e; return nil })
	}()
	recv(t, events)
	recv(t, events)
	live := testEvent(notify.TypeExit, "web", 1)
	fb.live <- live
	if e := recv(t, events); e.ID != live.ID {
		t.Errorf("live event %+v", e)
	}
	close(fb.live)
	if err := recv(t, errc); err != nil {
		t.Errorf("Events follow: %v", err)
	}

	want := []string{"list ", "status web", "start web", "signal web HUP", "restart web", "stop web",
		"logs web stream=stdout tail=-1 follow=false", "config-errors ", "check ", "reload ",
		"events web follow=false", "events  follow=true"}
	if calls := fb.callLog(); !slices.Equal(calls, want) {
		t.Errorf("backend calls %q\nwant %q", calls, want)
	}
	if l := srv.logs.String(); strings.Contains(l, "refused") {
		t.Errorf("requests refused:\n%s", l)
	}
}

func TestRemoteClientErrors(t *testing.T) {
	fb := newFakeBackend("web")
	fb.errs["web"] = errors.New("kaputt")
	srv := serveTCP(t, fb, TCPOptions{})
	c, err := NewRemoteClient(srv.url, testToken)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := c.Start(ctx, "nope"); !errors.Is(err, ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
	var apiErr *APIError
	if _, err := c.Start(ctx, "web"); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError || apiErr.Message != "kaputt" {
		t.Errorf("backend error: %v", err)
	}

	wrong, err := NewRemoteClient(srv.url, "fedcba9876543210fedcba9876543210")
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"List":   func() error { _, err := wrong.List(ctx); return err },
		"Status": func() error { _, err := wrong.Status(ctx, "web"); return err },
		"Logs":   func() error { _, err := wrong.Logs(ctx, "web", LogQuery{}); return err },
		"Events": func() error { return wrong.Events(ctx, "", false, func(notify.Event) error { return nil }) },
		"Reload": func() error { _, err := wrong.Reload(ctx); return err },
	} {
		err := call()
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s with a wrong token: %v, want a 401 APIError", name, err)
		}
		if errors.Is(err, ErrUnknownService) || errors.Is(err, ErrForbidden) {
			t.Errorf("%s: 401 matches another sentinel", name)
		}
	}
}

func TestRemoteClientUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	_ = ln.Close()
	c, err := NewRemoteClient(url, testToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.List(t.Context())
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.Socket != url {
		t.Fatalf("got %T %v, want *UnreachableError for %s", err, err, url)
	}
	if want := "cannot reach superd at " + url + ": connection refused (is superd running?)"; err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}
	if _, err := c.Logs(t.Context(), "web", LogQuery{}); !errors.As(err, &ue) {
		t.Errorf("Logs: %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.List(ctx); !errors.Is(err, context.Canceled) || errors.As(err, &ue) {
		t.Errorf("canceled: %v", err)
	}
}

func TestNewRemoteClientValidates(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"", "scheme"},
		{"127.0.0.1:8080", "scheme"},
		{"localhost:8080", "scheme"},
		{"ftp://127.0.0.1:8080", "scheme"},
		{"unix:///run/super/superd.sock", "scheme"},
		{"http://", "no host"},
		{"http://:8080", "no host"},
		{"http://127.0.0.1:8080/api", "path"},
		{"http://127.0.0.1:8080/v1/", "path"},
		{"http://user:pw@127.0.0.1:8080", "user info"},
		{"http://127.0.0.1:8080?x=1", "query"},
		{"http://127.0.0.1:8080/#frag", "fragment"},
		{"http://[::1", "missing ']'"},
	} {
		if _, err := NewRemoteClient(tc.url, testToken); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error about %s", tc.url, err, tc.want)
		}
	}
	for _, token := range []string{"", "two words", "tok\n", "é"} {
		_, err := NewRemoteClient("http://127.0.0.1:8080", token)
		if err == nil || !strings.Contains(err.Error(), "token") {
			t.Errorf("token %q: %v, want an error about the token", token, err)
		}
	}
	for _, tc := range []struct{ url, target string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"HTTPS://superd.example/", "https://superd.example"},
		{"http://[::1]:8080", "http://[::1]:8080"},
	} {
		c, err := NewRemoteClient(tc.url, testToken)
		if err != nil {
			t.Errorf("%q: %v", tc.url, err)
		} else if c.Target() != tc.target {
			t.Errorf("%q: target %q, want %q", tc.url, c.Target(), tc.target)
		}
	}
}
