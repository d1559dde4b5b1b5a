//go:build linux || darwin || freebsd

package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// strangerAccess returns a SocketAccess that allows neither this process's
// user nor any of its groups, the supplementary ones included: root's
// include 1 on some systems (Alpine), so that "our gid + 1" is one of
// ours there, and allowed.
func strangerAccess(t *testing.T) SocketAccess {
	t.Helper()
	groups, err := os.Getgroups()
	if err != nil {
		t.Fatal(err)
	}
	gid := os.Getegid() + 1
	for slices.Contains(groups, gid) {
		gid++
	}
	return SocketAccess{UIDs: []int{os.Geteuid() + 1}, GIDs: []int{gid}}
}

// serveUnixAccess serves b's API on a new socket through NewUnixServer
// with access, and returns the socket path and the server's log.
func serveUnixAccess(t *testing.T, b Backend, access SocketAccess) (string, *syncBuffer) {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "superd.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := NewUnixServer(NewHandler(b, HandlerOptions{}), access, slogTo(logs))
	serveWith(t, srv, ln)
	return path, logs
}

// slogTo returns a logger writing text records to buf.
func slogTo(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, nil))
}

// serveWith runs srv on ln until the test ends.
func serveWith(t *testing.T, srv *http.Server, ln net.Listener) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

func TestUnixServerAllowsPeers(t *testing.T) {
	for name, access := range map[string]SocketAccess{
		"own uid":   {UIDs: []int{os.Geteuid()}},
		"own gid":   {GIDs: []int{os.Getegid()}},
		"default":   DefaultSocketAccess(-1),
		"with root": {UIDs: []int{12345, os.Geteuid()}, GIDs: []int{54321}},
	} {
		t.Run(name, func(t *testing.T) {
			path, logs := serveUnixAccess(t, newFakeBackend("web"), access)
			c := NewClient(path)
			for range 2 { // the credentials are read once per connection
				if _, err := c.Status(t.Context(), "web"); err != nil {
					t.Fatalf("allowed peer refused: %v", err)
				}
			}
			if l := logs.String(); l != "" {
				t.Errorf("log: %s", l)
			}
		})
	}
}

func TestUnixServerRefusesPeers(t *testing.T) {
	fb := newFakeBackend("web")
	access := strangerAccess(t)
	path, logs := serveUnixAccess(t, fb, access)
	_, err := NewClient(path).Start(t.Context(), "web")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden || !errors.Is(err, ErrForbidden) {
		t.Fatalf("got %v, want a 403 APIError", err)
	}
	if want := fmt.Sprintf("uid %d may not use", os.Geteuid()); !strings.Contains(apiErr.Message, want) {
		t.Errorf("message %q does not say %q", apiErr.Message, want)
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("backend called: %q", calls)
	}
	l := logs.String()
	for _, want := range []string{"level=WARN", fmt.Sprintf("uid=%d", os.Geteuid()), "path=/v1/services/web/start"} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
	if pidKnown := strings.Contains(l, fmt.Sprintf("pid=%d", os.Getpid())); !pidKnown && runtime.GOOS != "freebsd" {
		t.Errorf("log lacks our pid:\n%s", l)
	}
	// The zero SocketAccess allows nobody.
	path, _ = serveUnixAccess(t, fb, SocketAccess{})
	if _, err := NewClient(path).Version(t.Context()); !errors.Is(err, ErrForbidden) {
		t.Errorf("zero SocketAccess: %v", err)
	}
}

func TestUnixServerFailsClosed(t *testing.T) {
	access := SocketAccess{UIDs: []int{os.Geteuid()}}
	h := NewHandler(newFakeBackend("web"), HandlerOptions{})

	// ConnContext replaced: the connection is unknown.
	path := filepath.Join(shortTempDir(t), "superd.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewUnixServer(h, access, nil)
	srv.ConnContext = func(ctx context.Context, _ net.Conn) context.Context { return ctx }
	serveWith(t, srv, ln)
	if _, err := NewClient(path).Version(t.Context()); !errors.Is(err, ErrForbidden) {
		t.Errorf("without ConnContext: %v, want ErrForbidden", err)
	}

	// Not a Unix socket.
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveWith(t, NewUnixServer(h, access, nil), tcp)
	resp, err := http.Get("http://" + tcp.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("over TCP: status %d, want 403", resp.StatusCode)
	}
}

func TestSocketAccessAllows(t *testing.T) {
	a := SocketAccess{UIDs: []int{0, 1000}, GIDs: []int{50}}
	for _, tc := range []struct {
		c    PeerCred
		want bool
	}{
		{PeerCred{UID: 0, GID: 0}, true},
		{PeerCred{UID: 1000, GID: 1000}, true},
		{PeerCred{UID: 1001, GID: 50}, true},
		{PeerCred{UID: 1001, GID: 1001, Groups: []int{4, 50}}, true},
		{PeerCred{UID: 1001, GID: 1001, Groups: []int{4, 51}}, false},
		{PeerCred{UID: 1001, GID: 1001}, false},
	} {
		if got := a.Allows(tc.c); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.c, got, tc.want)
		}
	}
	d := DefaultSocketAccess(50)
	if !d.Allows(PeerCred{UID: 0, GID: 7}) || !d.Allows(PeerCred{UID: os.Geteuid(), GID: 7}) ||
		!d.Allows(PeerCred{UID: 4321, GID: 7, Groups: []int{50}}) || d.Allows(PeerCred{UID: 4321, GID: 7}) {
		t.Errorf("DefaultSocketAccess(50) = %+v", d)
	}
	if d := DefaultSocketAccess(-1); len(d.GIDs) != 0 {
		t.Errorf("DefaultSocketAccess(-1) = %+v", d)
	}
}

// whoHandler answers what the request's context says about its sender.
var whoHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	cred, ok := PeerFromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"peer": ok, "uid": cred.UID, "pid": cred.PID, "groups": cred.Groups, "remote": RemoteFromContext(r.Context())})
})

// askWho asks a whoHandler at url through client.
func askWho(t *testing.T, client *http.Client, url string, header ...string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCallerInContext(t *testing.T) {
	unixClient := func(path string) *http.Client {
		return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}}
	}

	// Through NewUnixServer: the peer's credentials.
	path := filepath.Join(shortTempDir(t), "superd.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	serveWith(t, NewUnixServer(whoHandler, DefaultSocketAccess(-1), nil), ln)
	got := askWho(t, unixClient(path), "http://superd/")
	if got["peer"] != true || got["uid"] != float64(os.Geteuid()) || got["remote"] != false {
		t.Errorf("socket: %v", got)
	}
	if runtime.GOOS == "linux" && got["pid"] != float64(os.Getpid()) {
		t.Errorf("socket: pid %v, want %d", got["pid"], os.Getpid())
	}

	// Through TCPHandler: remote, no peer.
	opts := TCPOptions{Addr: "127.0.0.1:0", Token: testToken}
	tcp, err := ListenTCP(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	serveWith(t, NewServer(TCPHandler(whoHandler, opts)), tcp)
	got = askWho(t, http.DefaultClient, "http://"+tcp.Addr().String()+"/", "Authorization", "Bearer "+testToken)
	if got["peer"] != false || got["remote"] != true {
		t.Errorf("TCP: %v", got)
	}

	// Through a bare NewServer: neither.
	got = askWho(t, unixClient(serveUnix(t, whoHandler)), "http://superd/")
	if got["peer"] != false || got["remote"] != false {
		t.Errorf("bare server: %v", got)
	}
}
