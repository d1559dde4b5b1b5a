package notify

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// relay forwards TCP connections to a target. freeze makes the
// connections open so far a black hole (a receiver's host that died
// without a reset, a NAT or firewall that forgot the flow): they stay
// open, and nothing goes through them either way. Connections accepted
// afterwards are forwarded as usual.
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []*relayConn
	wg     sync.WaitGroup
}

// relayConn is one relayed connection; frozen stops its copying.
type relayConn struct {
	client, server net.Conn
	frozen         atomic.Bool
}

func newRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			_ = c.client.Close()
			_ = c.server.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		client, err := r.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", r.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		c := &relayConn{client: client, server: server}
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
		r.wg.Add(2)
		go c.pipe(&r.wg, client, server)
		go c.pipe(&r.wg, server, client)
	}
}

// pipe copies from src to dst until either ends; once frozen, what it
// reads is thrown away, as a black hole would.
func (c *relayConn) pipe(wg *sync.WaitGroup, dst, src net.Conn) {
	defer wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !c.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !c.frozen.Load() {
				_ = dst.Close()
			}
			return
		}
	}
}

// freeze black-holes every connection opened so far, and returns how
// many there were.
func (r *relay) freeze() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.frozen.Store(true)
	}
	return len(r.conns)
}

// count returns how many connections the relay accepted.
func (r *relay) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// TestWebhookH2DeadConnectionNotReused: an HTTPS receiver speaking HTTP/2
// whose connection went dead without a reset (its host died, a NAT
// forgot the flow) must not take every later attempt: HTTP/2 keeps a
// connection whose request timed out, so without care each retry, and
// each following event, is sent on it again and times out, for as long as
// the kernel keeps the connection (up to a quarter of an hour), while the
// receiver is reachable on a new connection. A retry after a failed
// attempt dials anew and delivers.
func TestWebhookH2DeadConnectionNotReused(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.ProtoMajor != 2 {
			w.WriteHeader(http.StatusHTTPVersionNotSupported) // the test is about HTTP/2
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	rl := newRelay(t, srv.Listener.Addr().String())

	cfg := WebhookConfig{
		Name:        "h2",
		URL:         "https://" + rl.ln.Addr().String() + "/hook",
		CA:          pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}),
		Timeout:     time.Second, // what the dead connection costs: one attempt
		Retries:     3,
		BackoffBase: 10 * time.Millisecond,
		BackoffMax:  20 * time.Millisecond,
	}
	w := newTestWebhook(t, cfg)
	if err := w.Notify(context.Background(), NewEvent(TypeStart, "web")); err != nil {
		t.Fatalf("first event, through a live connection: %v", err)
	}
	frozen := rl.freeze()
	for i := range 3 {
		err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
		var se *StatusError
		if errors.As(err, &se) {
			t.Fatalf("event %d: %v (the receiver did not speak HTTP/2)", i+2, err)
		}
		if err != nil {
			t.Fatalf("event %d after the connection went dead: %v (%d connections made, %d of them dead before: the dead one kept being used)", i+2, err, rl.count(), frozen)
		}
	}
}
