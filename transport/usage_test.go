package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// usageBackend is a fakeBackend that reports usage (or err).
type usageBackend struct {
	*fakeBackend
	usage []ServiceUsage
	err   error
}

func (u *usageBackend) Usage(context.Context) ([]ServiceUsage, error) { return u.usage, u.err }

// GET /v1/usage answers the backend's usage ([] for none), through the
// client too; a backend that cannot tell, or says the system cannot, is a
// 501, which the client reports as errors.ErrUnsupported; other errors
// are mapped as usual.
func TestUsage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := []ServiceUsage{{Name: "db", PID: 7, Processes: 2, MemoryBytes: 3 << 20, CPUSeconds: 1.5}}
	b := &usageBackend{fakeBackend: newFakeBackend("db"), usage: want}
	got, err := NewClient(serveUnix(t, NewHandler(b, HandlerOptions{}))).Usage(ctx)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Usage = %+v, %v; want %+v", got, err, want)
	}

	b.usage = nil
	a := serve(t, NewHandler(b, HandlerOptions{}), http.MethodGet, "/v1/usage", nil)
	if a.status != http.StatusOK || string(a.body) != "[]\n" {
		t.Errorf("no usage: %d %q, want 200 []", a.status, a.body)
	}
	b.err = fmt.Errorf("usage: %w", ErrUnavailable)
	if a := serve(t, NewHandler(b, HandlerOptions{}), http.MethodGet, "/v1/usage", nil); a.status != http.StatusServiceUnavailable {
		t.Errorf("backend unavailable: %d, want 503", a.status)
	}

	for name, h := range map[string]http.Handler{
		"backend without Usage": NewHandler(newFakeBackend("db"), HandlerOptions{}),
		"system without figures": NewHandler(&usageBackend{fakeBackend: newFakeBackend("db"),
			err: fmt.Errorf("process: usage: %w", errors.ErrUnsupported)}, HandlerOptions{}),
	} {
		a := serve(t, h, http.MethodGet, "/v1/usage", nil)
		if a.status != http.StatusNotImplemented {
			t.Errorf("%s: %d, want 501", name, a.status)
			continue
		}
		a.errorMessage(t)
		if _, err := NewClient(serveUnix(t, h)).Usage(ctx); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%s: client error %v, want one matching errors.ErrUnsupported", name, err)
		}
	}
	if a := serve(t, NewHandler(b, HandlerOptions{}), http.MethodGet, "/v1/usage?x=1", nil); a.status != http.StatusBadRequest {
		t.Errorf("with a query: %d, want 400", a.status)
	}
}
