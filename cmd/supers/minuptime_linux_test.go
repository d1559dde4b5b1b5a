//go:build linux

package main

import (
	"regexp"
	"strings"
	"testing"
)

// supers start --min-uptime D (and restart) fails, exit 1, for a service
// whose process did not stay up for D, saying how it exited, and succeeds
// for one that did; the table shows each service's status after D. A
// negative D is a usage error. Without it, the start of a program that
// exits at once succeeded, as the exec did.
func TestStartMinUptime(t *testing.T) {
	t.Parallel()
	d := startRealSuperd(t, map[string]string{
		"crashy.service": "[Service]\nExecStart=/bin/false\nAutoStart=no\nRestart=no\n",
		"steady.service": "[Service]\nExecStart=/bin/sleep 600\nAutoStart=no\n",
	})
	r := runAgainst(t, d.socket, "start", "--min-uptime", "2s", "crashy", "steady")
	if r.code != exitError || !regexp.MustCompile(`^supers: start crashy: its process \d+ did not stay up for 2s \(exit 1\); now exited\n$`).MatchString(r.stderr) {
		t.Errorf("start of crashy and steady: exit %d, stderr %q", r.code, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^crashy +exited`).MatchString(r.stdout) || !regexp.MustCompile(`(?m)^steady +running +\d+`).MatchString(r.stdout) {
		t.Errorf("stdout %q, want crashy exited and steady running", r.stdout)
	}
	r = runAgainst(t, d.socket, "restart", "--min-uptime=100ms", "steady")
	if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "running") {
		t.Errorf("restart of steady: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runAgainst(t, d.socket, "start", "--min-uptime=-1s", "steady")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--min-uptime -1s: want a duration of 0 or more") {
		t.Errorf("negative --min-uptime: exit %d, stderr %q", r.code, r.stderr)
	}
}
