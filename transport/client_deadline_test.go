package transport

import (
	"context"
	"errors"
	"testing"
	"time"
)

// lateTimer is a context whose deadline has passed but whose timer has
// not fired yet, as on a loaded machine: it ends a moment later.
type lateTimer struct {
	context.Context
	deadline time.Time
}

func (c lateTimer) Deadline() (time.Time, bool) { return c.deadline, true }

// A dial that fails because the request's deadline has passed is that
// deadline's failure, not a superd that cannot be reached, also before the
// context's timer has ended it: supers said "cannot reach superd at ...:
// i/o timeout (is superd running?)" for a --timeout that passed while it
// waited for room in a full listen backlog.
func TestDialPastTheDeadlineIsTheDeadline(t *testing.T) {
	socket, _ := serveTracked(t, NewHandler(newFakeBackend("web"), HandlerOptions{}))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := NewClient(socket).Status(lateTimer{Context: ctx, deadline: time.Now().Add(-time.Second)}, "web")
	var ue *UnreachableError
	if errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
}
