//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// start, stop, restart and status take patterns (matched against the
// services superd knows) and start, stop and restart --all, as
// supervisorctl's "all" and systemctl's patterns do. A pattern that
// matches nothing is reported as an unknown name is (exit 4), and the
// other names are still acted on.
func TestCLIPatternsAndAll(t *testing.T) {
	svc := "[Service]\nExecStart=/bin/sleep 1000\n"
	d := newDaemon(t, map[string]string{"web-1.service": svc, "web-2.service": svc, "db.service": svc})
	d.start()
	pids := map[string]int{}
	for _, name := range []string{"web-1", "web-2", "db"} {
		pids[name] = d.waitRunning(name).PID
	}

	var got []transport.ServiceStatus
	if code := d.cliJSON(&got, "restart", "web-*"); code != 0 {
		t.Fatalf("restart web-*: exit %d", code)
	}
	if len(got) != 2 || got[0].Name != "web-1" || got[1].Name != "web-2" {
		t.Fatalf("restart web-* acted on %v, want web-1 and web-2", got)
	}
	for _, st := range got {
		if st.State != "running" || st.PID == pids[st.Name] {
			t.Errorf("after restart web-*: %s %s pid %d (was %d)", st.Name, st.State, st.PID, pids[st.Name])
		}
	}
	if st := d.status("db"); st.PID != pids["db"] {
		t.Errorf("restart web-* restarted db too: pid %d, was %d", st.PID, pids["db"])
	}

	if code := d.cliJSON(&got, "stop", "--all"); code != 0 || len(got) != 3 {
		t.Fatalf("stop --all: exit %d, %d services", code, len(got))
	}
	for _, name := range []string{"web-1", "web-2", "db"} {
		if st := d.status(name); st.State != "stopped" {
			t.Errorf("after stop --all: %s %s", name, st.State)
		}
	}

	out, errs, code := d.cli("start", "nope*", "web-[2]")
	if code != 4 || !strings.Contains(errs, `no service matches "nope*"`) || !strings.Contains(out, "web-2") {
		t.Fatalf("start nope* web-[2]: exit %d, stdout %q, stderr %q; want 4, web-2 started, nope* reported", code, out, errs)
	}
	if st := d.status("web-2"); st.State != "running" {
		t.Errorf("web-2 %s after start web-[2]", st.State)
	}
	if st := d.status("web-1"); st.State != "stopped" {
		t.Errorf("web-1 %s after start web-[2]", st.State)
	}

	if code := d.cliJSON(&got, "status", "w*", "web-2"); code != 3 || len(got) != 2 {
		t.Fatalf("status w* web-2: exit %d, %d services; want 3 (web-1 is stopped), web-1 and web-2 once each", code, len(got))
	}
	// Negated as a shell negates: every service but those starting with w.
	if d.cliJSON(&got, "status", "[!w]*"); len(got) != 1 || got[0].Name != "db" {
		t.Fatalf("status [!w]* showed %v, want db alone", got)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"start"}, "give service names"},
		{[]string{"restart", "--all", "db"}, "not both"},
		{[]string{"stop", "web-["}, `"web-[" is not a valid pattern`},
		{[]string{"status", "web-["}, `"web-[" is not a valid pattern`},
	} {
		if _, errs, code := d.cli(tc.args...); code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("supers %s: exit %d, stderr %q; want 2 and %q", strings.Join(tc.args, " "), code, errs, tc.want)
		}
	}
	if st := d.status("db"); st.State != "stopped" {
		t.Errorf("db %s after the refused commands", st.State)
	}
}
