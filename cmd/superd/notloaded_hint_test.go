//go:build linux

package main

import (
	"strings"
	"testing"
)

// A valid service file written since the last load is not a service yet:
// status, stop, logs and signal of it said only "unknown service", while
// cat printed the file, and nothing told the user what to do. They now
// say that it is not loaded yet and how to load it; start loads it.
func TestNotLoadedYetSaysSo(t *testing.T) {
	d := newDaemon(t, map[string]string{"good.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	d.waitRunning("good")
	d.writeFile("late.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	for _, cmd := range [][]string{{"status", "late"}, {"stop", "late"}, {"logs", "late"}, {"signal", "late", "HUP"}} {
		if _, errs, code := d.cli(cmd...); code != 4 || !strings.Contains(errs, "late.service is not loaded yet") || !strings.Contains(errs, "reload") {
			t.Errorf("supers %v: exit %d (want 4), stderr %q; want it to say late.service is not loaded yet", cmd, code, errs)
		}
	}
	if _, errs, code := d.cli("start", "late"); code != 0 {
		t.Fatalf("start of a file not loaded yet: exit %d: %s", code, errs)
	}
	d.waitRunning("late")
	// A name with no file at all is still just unknown.
	if _, errs, code := d.cli("status", "nofile"); code != 4 || strings.Contains(errs, "not loaded yet") {
		t.Errorf("supers status nofile: exit %d, stderr %q; want 4, unknown", code, errs)
	}
}
