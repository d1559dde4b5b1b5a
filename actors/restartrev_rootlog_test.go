package actors

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// A failure of one of the root's actors (the services supervisor, the
// event hub...) or of the root itself is resumed, and the log says which
// actor failed and on what message: it said only "actor failed; resuming
// it" and the reason, which does not tell superd's actors apart.
func TestRestartrevResumeNamesTheActor(t *testing.T) {
	var buf bytes.Buffer
	strategy := resumeStrategy(slog.New(slog.NewTextHandler(&buf, nil)))
	sup := &lcRecordingSupervisor{}
	child := actor.NewPID("local", "superd/events")
	strategy.HandleFailure(nil, sup, child, nil, "boom", &eventPublished{})
	if !slices.ContainsFunc(sup.resumed, child.Equal) || len(sup.restarted) != 0 {
		t.Fatalf("resumed %v, restarted %v: want %v resumed only", sup.resumed, sup.restarted, child)
	}
	out := buf.String()
	for _, want := range []string{"actor=superd/events", "message=*actors.eventPublished", "reason=boom", "level=ERROR"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
}
