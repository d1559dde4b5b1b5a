//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A broken edit picked up by --watch, or by SIGHUP, which have no other
// output, is published as one config-error: a later reload finding the
// same errors (the file touched again, another SIGHUP) publishes nothing;
// and supers events shows it as one line naming the file.
func TestConfigErrorWatchAndSighup(t *testing.T) {
	t.Parallel()
	const web = "[Service]\nExecStart=/bin/sleep 1000\n"
	d := newDaemon(t, map[string]string{"web.service": web})
	d.extraArgs = []string{"--watch"}
	d.start()
	first := d.waitRunning("web")
	reloads := func() int { return strings.Count(d.stderr.String(), "configuration reloaded") }

	before := reloads()
	d.writeFile("web.service", web+"Restart=sometimes\n") // truncated, then written
	waitFor(t, 10*time.Second, "the watch's reload of the broken web.service", func() bool { return reloads() > before })
	evs := d.configErrorEvents()
	if len(evs) != 1 || evs[0].Service != "web" || evs[0].File != filepath.Join(d.dir, "web.service") || !strings.Contains(evs[0].Reason, "sometimes") {
		t.Fatalf("after a broken edit under --watch: %+v, want one config-error for web.service", evs)
	}

	// The same errors, the file written again (a comment added at its end).
	before = reloads()
	d.writeFile("web.service", web+"Restart=sometimes\n# still broken\n")
	waitFor(t, 10*time.Second, "the watch's reload of web.service written again", func() bool { return reloads() > before })
	before = reloads()
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the reload of SIGHUP", func() bool { return reloads() > before })
	if evs := d.configErrorEvents(); len(evs) != 1 {
		t.Fatalf("reloads finding the same errors published again: %+v", evs)
	}

	// superd.conf broken: its event has no service.
	before = reloads()
	d.writeFile("superd.conf", "[Webhook \"x\"]\nURL=ftp://example.com/\n")
	waitFor(t, 10*time.Second, "the watch's reload of superd.conf", func() bool { return reloads() > before })
	before = reloads()
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the reload of the second SIGHUP", func() bool { return reloads() > before })
	evs = d.configErrorEvents()
	if len(evs) != 2 || evs[1].Service != "" || evs[1].File != filepath.Join(d.dir, "superd.conf") {
		t.Fatalf("superd.conf broken: %+v, want one config-error for it", evs)
	}

	out, _, code := d.cli("events")
	if code != 0 {
		t.Fatalf("supers events: exit %d", code)
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " config-error ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[0], " config-error web ") ||
		!strings.Contains(lines[0], "file="+filepath.Join(d.dir, "web.service")+" reason=\"") ||
		!strings.Contains(lines[1], " config-error - ") {
		t.Fatalf("supers events, config-error lines:\n%s", strings.Join(lines, "\n"))
	}
	if st := d.status("web"); st.PID != first.PID {
		t.Fatalf("web was disturbed by its broken file: pid %d, was %d", st.PID, first.PID)
	}
}
