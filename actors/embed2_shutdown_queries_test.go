//go:build linux

package actors_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// Queries made while Run shuts down get the whole truth or ErrNotRunning:
// once the actors were being taken down, Status answered that a service
// defined all along was unknown (12 times in 30 shutdowns), and List left
// out the services whose actors were already gone (107 lists of 30
// shutdowns had fewer services than there were).
func TestEmbedQueriesDuringShutdownNeverForgetServices(t *testing.T) {
	const services = 5
	var svcs []*config.Service
	for i := range services {
		svcs = append(svcs, config.New(fmt.Sprintf("s%d", i), "sleep", "60"))
	}
	for round := range 15 {
		sup, cancel, ran := embedded(t, actors.Config{Services: svcs})
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []string
			done = make(chan struct{})
		)
		fail := func(format string, args ...any) {
			mu.Lock()
			if len(errs) < 5 {
				errs = append(errs, fmt.Sprintf("round %d: ", round)+fmt.Sprintf(format, args...))
			}
			mu.Unlock()
		}
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					st, err := sup.Status(context.Background(), "s0")
					switch {
					case errors.Is(err, transport.ErrUnknownService):
						fail("Status(s0) = %v", err)
					case err == nil && st.Name != "s0":
						fail("Status(s0) = %+v", st)
					case err != nil && !errors.Is(err, actors.ErrNotRunning):
						fail("Status(s0) = %v, want a status or ErrNotRunning", err)
					}
					l, err := sup.List(context.Background())
					switch {
					case err == nil && len(l) != services:
						fail("List = %d services, want %d", len(l), services)
					case err != nil && !errors.Is(err, actors.ErrNotRunning):
						fail("List = %v, want the services or ErrNotRunning", err)
					}
				}
			})
		}
		cancel()
		waitRun(t, ran)
		close(done)
		wg.Wait()
		for _, e := range errs {
			t.Error(e)
		}
		if t.Failed() {
			return
		}
	}
}
