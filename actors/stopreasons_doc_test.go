package actors

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// eventsDoc returns notify/EVENTS.md with its numbers and its runs of
// white space made uniform (normalReason), so that a reason the code
// produces can be looked up in it whatever its pid or duration, and
// wherever its lines break.
func eventsDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../notify/EVENTS.md")
	if err != nil {
		t.Fatal(err)
	}
	return normalReason(string(b))
}

var (
	digits = regexp.MustCompile(`[0-9]+`)
	spaces = regexp.MustCompile(`\s+`)
)

func normalReason(s string) string {
	return spaces.ReplaceAllString(digits.ReplaceAllString(s, "N"), " ")
}

// lastStop returns the last stop event h published.
func lastStop(t *testing.T, h *harness) notify.Event {
	t.Helper()
	h.evMu.Lock()
	defer h.evMu.Unlock()
	for i := len(h.events) - 1; i >= 0; i-- {
		if h.events[i].Type == notify.TypeStop {
			return h.events[i]
		}
	}
	t.Fatal("no stop event published")
	return notify.Event{}
}

// notify.TypeStop's doc sends to EVENTS.md for the wording of each reason
// of a stop event: it gave none for a stop that leaves its process after
// the SIGKILL (its one example, said to be of that, was of a service in
// backoff), nor "was starting", nor a SIGKILL sent to a group gone since.
// Each reason the service actor produces must be there, as written,
// whatever its numbers.
func TestStopReasonsAreInEventsDoc(t *testing.T) {
	doc := eventsDoc(t)
	documented := func(what, reason string) {
		t.Helper()
		if reason == "" {
			t.Errorf("%s: no reason", what)
		} else if !strings.Contains(doc, normalReason(reason)) {
			t.Errorf("%s: reason %q is not in notify/EVENTS.md", what, reason)
		}
	}

	t.Run("left behind", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, _ := stuckRunning(t)
			answer(t, sendStop(h), "the stop")
			synctest.Wait()
			documented("a stop leaving its process after SIGKILL", lastStop(t, h).Reason)
		})
	})
	t.Run("timed out", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, p := stuckRunning(t)
			stopped := sendStop(h)
			time.Sleep(time.Second) // TimeoutStopSec: the SIGKILL goes
			synctest.Wait()
			p.exit(-1)
			answer(t, stopped, "the stop")
			synctest.Wait()
			documented("a stop that timed out", lastStop(t, h).Reason)
		})
	})
	t.Run("backoff", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, nil))
			h.crash(h.nextStart(time.Second), 1)
			h.wantState(StateBackoff, 1000)
			h.stop()
			synctest.Wait()
			documented("a stop in backoff", lastStop(t, h).Reason)
		})
	})
	t.Run("exited", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, newFakeStarter(nil), service(t, config.RestartNo, nil))
			h.crash(h.nextStart(time.Second), 1)
			h.wantState(StateExited, 0)
			h.stop()
			synctest.Wait()
			documented("a stop of an exited service", lastStop(t, h).Reason)
		})
	})
	// The states handleStop's "was" may name besides those above: the
	// services supervisor's fatal, a failed start, a restart due.
	for _, was := range []string{StateFatal, StateExecFailed, StateStarting} {
		documented("a stop of a service "+was, "was "+was)
	}
	// What a time-out's SIGKILL reaches, as its reason says; the
	// processes that left the group have their own wording, joined with
	// "and".
	for _, a := range []*serviceActor{{}, {leaderGone: true}, {groupGone: true}} {
		documented("a SIGKILL's targets", "SIGKILL sent to "+a.killTargets())
	}
}
