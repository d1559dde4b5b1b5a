package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

func TestFormatUptime(t *testing.T) {
	for _, tc := range []struct {
		seconds float64
		want    string
	}{
		{-5, "0s"}, {0, "0s"}, {0.9, "0s"}, {59, "59s"}, {60, "1m0s"}, {192, "3m12s"},
		{3599, "59m59s"}, {3600, "1h0m"}, {18180, "5h3m"}, {86399, "23h59m"},
		{86400, "1d0h"}, {187200, "2d4h"}, {400 * 86400, "400d0h"},
		{math.Inf(1), "104249991374d7h"}, {math.NaN(), "0s"},
	} {
		if got := formatUptime(tc.seconds); got != tc.want {
			t.Errorf("formatUptime(%v) = %q, want %q", tc.seconds, got, tc.want)
		}
	}
}

func TestStateText(t *testing.T) {
	for _, tc := range []struct {
		s    transport.ServiceStatus
		want string
	}{
		{transport.ServiceStatus{State: "running", LastExit: &transport.ExitInfo{Code: intp(1)}}, "running"},
		{transport.ServiceStatus{State: "exited", LastExit: &transport.ExitInfo{Code: intp(3)}}, "exited (exit 3)"},
		{transport.ServiceStatus{State: "stopped", LastExit: &transport.ExitInfo{Signal: "SIGKILL"}}, "stopped (signal SIGKILL)"},
		{transport.ServiceStatus{State: "stopped"}, "stopped"},
		{transport.ServiceStatus{State: "exec-failed", Error: "no such file", LastExit: &transport.ExitInfo{Code: intp(3)}}, "exec-failed (no such file)"},
	} {
		if got := stateText(tc.s); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestWriteTableColumnsAlign(t *testing.T) {
	var b strings.Builder
	err := tableOf([]transport.ServiceStatus{
		{Name: "a", State: "running", PID: 1, UptimeSeconds: 1, Description: "x"},
		{Name: "a-much-longer-name", State: "exited", LastExit: &transport.ExitInfo{Code: intp(127)}, Restarts: 1234},
		{Name: "ü", State: "running", PID: 1234567, UptimeSeconds: 1e6, Description: "über"},
	}).writeTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	header := lines[0]
	for _, col := range []string{"STATE", "PID", "UPTIME", "RESTARTS", "DESCRIPTION"} {
		at := strings.Index(header, col)
		for _, l := range lines[1:] {
			r := []rune(l)
			if at >= len(r) {
				continue // empty trailing cell
			}
			if r[at] == ' ' || r[at-1] != ' ' {
				t.Errorf("column %s does not start at %d in %q", col, at, l)
			}
		}
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("a\tb\nc\r\x1b[0m\x00é"); got != "a b c ?[0m?é" {
		t.Errorf("got %q", got)
	}
}

// Text from superd can come from a definition that a member of the socket
// group wrote (a Description=, the path of an ExecStart= in an exec error):
// a bidirectional control character in it (U+202E RIGHT-TO-LEFT OVERRIDE)
// made a terminal that applies them show the rest of the row reversed, so
// that the table no longer showed what superd said.
func TestOneLineBidiControls(t *testing.T) {
	for _, in := range []string{"a\u202eb", "a\u2066b", "a\u200fb", "a\u061cb"} {
		if got := oneLine(in); got != "a?b" {
			t.Errorf("oneLine(%+q) = %+q, want %q", in, got, "a?b")
		}
	}
	if got := oneLine("web server, écrit à la main"); got != "web server, écrit à la main" {
		t.Errorf("plain text changed: %q", got)
	}
}

// Output a service's logs could not take is said in its STATE, last.
func TestStateTextLogDropped(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	code := 3
	for _, tc := range []struct {
		st   transport.ServiceStatus
		want string
	}{
		{transport.ServiceStatus{State: transport.StateRunning, LogDroppedBytes: 512}, "running (log output dropped: 512 B)"},
		{transport.ServiceStatus{State: transport.StateRunning, LogDroppedBytes: 1536}, "running (log output dropped: 1.5 KiB)"},
		{transport.ServiceStatus{State: transport.StateRunning, LogDroppedBytes: 3 << 20}, "running (log output dropped: 3.0 MiB)"},
		{transport.ServiceStatus{State: transport.StateExited, LastExit: &transport.ExitInfo{Code: &code, Time: now.Add(-4 * time.Second)}, LogDroppedBytes: 5 << 30},
			"exited (exit 3 4s ago, log output dropped: 5.0 GiB)"},
		{transport.ServiceStatus{State: transport.StateRunning}, "running"},
		// Stopping: how the main process ended once it is gone, not an
		// earlier run's end while it is there.
		{transport.ServiceStatus{State: transport.StateStopping, LastExit: &transport.ExitInfo{Code: &code, Time: now.Add(-4 * time.Second)}},
			"stopping (main process: exit 3 4s ago)"},
		{transport.ServiceStatus{State: transport.StateStopping, PID: 42, LastExit: &transport.ExitInfo{Code: &code, Time: now.Add(-4 * time.Second)}}, "stopping"},
		{transport.ServiceStatus{State: transport.StateStopping}, "stopping"},
	} {
		if got := stateTextAt(tc.st, now); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.st, got, tc.want)
		}
	}
}
