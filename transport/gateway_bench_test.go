package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchBackend answers List and Status from prepared values, so that the
// benchmarks measure the handler (routing, JSON encoding, HTTP) and not
// the fake's bookkeeping; every other method is the fake's.
type benchBackend struct {
	*fakeBackend
	list   []ServiceStatus
	byName map[string]ServiceStatus
}

func newBenchBackend(n int) *benchBackend {
	b := &benchBackend{fakeBackend: newFakeBackend(), byName: make(map[string]ServiceStatus, n)}
	started := time.Now().Add(-time.Hour)
	for i := range n {
		st := ServiceStatus{
			Name: fmt.Sprintf("worker-%04d", i), State: StateRunning, PID: 10000 + i,
			StartedAt: &started, Description: "benchmark worker",
		}
		b.list = append(b.list, st)
		b.byName[st.Name] = st
	}
	return b
}

func (b *benchBackend) List(context.Context) ([]ServiceStatus, error) { return b.list, nil }

func (b *benchBackend) Status(_ context.Context, name string) (ServiceStatus, error) {
	st, ok := b.byName[name]
	if !ok {
		return ServiceStatus{}, fmt.Errorf("%w %q", ErrUnknownService, name)
	}
	return st, nil
}

// BenchmarkHandler measures one request through the control API's handler
// (routing, backend call, JSON answer), without a network: GET
// /v1/services with 1, 100 and 1000 services, and GET /v1/services/NAME.
func BenchmarkHandler(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		h := NewHandler(newBenchBackend(n), HandlerOptions{})
		b.Run(fmt.Sprintf("list/services=%d", n), func(b *testing.B) {
			benchRequest(b, h, "/v1/services")
		})
	}
	h := NewHandler(newBenchBackend(1000), HandlerOptions{})
	b.Run("status/services=1000", func(b *testing.B) {
		benchRequest(b, h, "/v1/services/worker-0500")
	})
}

func benchRequest(b *testing.B, h http.Handler, target string) {
	b.ReportAllocs()
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "B/answer")
}

// BenchmarkSocketRoundTrip measures a Client call over a real Unix socket
// to a real server: "reuse" keeps one client (and its connection), "dial"
// makes a new client for every call, as each run of supers does.
func BenchmarkSocketRoundTrip(b *testing.B) {
	path := benchServe(b, NewHandler(newBenchBackend(1000), HandlerOptions{}))
	ctx := context.Background()
	calls := map[string]func(c *Client) error{
		"status": func(c *Client) error { _, err := c.Status(ctx, "worker-0500"); return err },
		"list=1000": func(c *Client) error {
			l, err := c.List(ctx)
			if err == nil && len(l) != 1000 {
				err = fmt.Errorf("%d services", len(l))
			}
			return err
		},
	}
	for _, name := range []string{"status", "list=1000"} {
		call := calls[name]
		b.Run(name+"/reuse", func(b *testing.B) {
			c := NewClient(path)
			b.ReportAllocs()
			for b.Loop() {
				if err := call(c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/dial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c := NewClient(path)
				if err := call(c); err != nil {
					b.Fatal(err)
				}
				c.http.CloseIdleConnections()
			}
		})
	}
}

// benchServe serves h on a Unix socket in a new short temporary directory
// until the benchmark ends, and returns the socket's path.
func benchServe(b *testing.B, h http.Handler) string {
	dir, err := os.MkdirTemp("", "sb")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, "superd.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(h)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	b.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			b.Errorf("Serve: %v", err)
		}
	})
	return path
}
