package main

import (
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// TestFormatEventDefinitionFields: the human form of create, update and
// delete events says who made the change and which content was written,
// as their JSON does; without them "supers events" cannot answer "who
// deleted this service?".
func TestFormatEventDefinitionFields(t *testing.T) {
	create := eventAt(notify.TypeCreate, "web", 0)
	create.By, create.Hash = "uid:1000", "5d41402abc4b2a76b9719d911017c592a4f2b9c1d3e5f708192a3b4c5d6e7f80"
	update := eventAt(notify.TypeUpdate, "web", 1)
	update.By, update.Hash = "token", "0f1e2d3c"
	del := eventAt(notify.TypeDelete, "legacy", 2)
	del.By = "uid:0"
	hostile := eventAt(notify.TypeDelete, "x", 3)
	hostile.By = "uid:1\n\x1b[2J"
	core := eventAt(notify.TypeExit, "segv", 4)
	core.PID, core.Signal, core.CoreDumped = 42, "SIGSEGV", true
	for _, tc := range []struct {
		e    notify.Event
		want string
	}{
		{create, "2026-11-25T21:03:04.000Z create       web             by=uid:1000 hash=5d41402abc4b2a76b9719d911017c592a4f2b9c1d3e5f708192a3b4c5d6e7f80"},
		{update, "2026-11-25T21:03:04.001Z update       web             by=token hash=0f1e2d3c"},
		{del, "2026-11-25T21:03:04.002Z delete       legacy          by=uid:0"},
		{hostile, "2026-11-25T21:03:04.003Z delete       x               by=uid:1 ?[2J"},
		// Why a signal in SuccessExitStatus= still counted as a crash.
		{core, "2026-11-25T21:03:04.004Z exit         segv            pid=42 signal=SIGSEGV core_dumped=true"},
	} {
		if got := formatEvent(tc.e); got != tc.want {
			t.Errorf("formatEvent(%s):\n got %q\nwant %q", tc.e.Type, got, tc.want)
		}
	}
}

// TestFormatEventColumnsAlign: the type column is as wide as the longest
// type, exec-failed, so the service and fields of its rows line up with
// the others' (they were pushed 4 columns right).
func TestFormatEventColumnsAlign(t *testing.T) {
	failed := eventAt(notify.TypeExecFailed, "nobin", 0)
	failed.Reason = "start failed"
	start := eventAt(notify.TypeStart, "web", 1)
	start.PID = 7
	a, b := formatEvent(failed), formatEvent(start)
	if i, j := strings.Index(a, "nobin"), strings.Index(b, "web"); i != j || i < 0 {
		t.Errorf("service columns at %d and %d:\n%s\n%s", i, j, a, b)
	}
	for _, typ := range notify.Types() {
		if len(typ) > typeColumn {
			t.Errorf("event type %q is wider than the type column (%d)", typ, typeColumn)
		}
	}
}
