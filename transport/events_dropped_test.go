package transport

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// TestClientEventsFollowDropped: a followed stream that superd ends to drop
// a client too slow to keep up comes back as ErrStreamDropped, over the
// socket and over TCP; one it ends because it shuts down, as nil.
func TestClientEventsFollowDropped(t *testing.T) {
	for _, dropped := range []bool{true, false} {
		for _, tcp := range []bool{false, true} {
			fb := newFakeBackend()
			fb.live = make(chan notify.Event)
			fb.dropped = dropped
			h := NewHandler(fb, HandlerOptions{})
			var c *Client
			if tcp {
				srv := httptest.NewServer(h)
				defer srv.Close()
				var err error
				if c, err = NewRemoteClient(srv.URL, "t0ken-for-the-test"); err != nil {
					t.Fatal(err)
				}
			} else {
				c = NewClient(serveUnix(t, h))
			}
			got := make(chan notify.Event)
			errc := make(chan error, 1)
			go func() {
				errc <- c.Events(t.Context(), "", true, func(e notify.Event) error { got <- e; return nil })
			}()
			fb.live <- testEvent(notify.TypeStart, "web", 1)
			recv(t, got)
			close(fb.live)
			err := recv(t, errc)
			if want := error(nil); dropped {
				if !errors.Is(err, ErrStreamDropped) {
					t.Errorf("tcp %v: dropped stream: %v, want ErrStreamDropped", tcp, err)
				}
			} else if err != want {
				t.Errorf("tcp %v: stream closed at shutdown: %v, want nil", tcp, err)
			}
		}
	}
}
