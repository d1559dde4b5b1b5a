package config

import (
	"strings"
	"testing"
)

// TestSystemdUnitDirectivesExplained checks that the systemd directives
// found in most unit files a user copies, which superd does not have, are
// refused with a note saying what superd does instead, not a bare "unknown
// key" or "unknown section", nor a misleading "must be an absolute path"
// for WorkingDirectory='s systemd prefixes.
func TestSystemdUnitDirectivesExplained(t *testing.T) {
	for _, tc := range []struct {
		line, want string
	}{
		{"Type=simple", "Type=simple"},
		{"KillMode=process", "process group"},
		{"ExecStop=/bin/kill $MAINPID", "KillSignal="},
		{"ExecReload=/bin/kill -HUP $MAINPID", "supers signal"},
		{"SendSIGKILL=no", "TimeoutStopSec=infinity"},
		{"TimeoutSec=5", "TimeoutStopSec="},
		{"WorkingDirectory=-/srv/app", `"-" prefix`},
		{"WorkingDirectory=~", `"~"`},
		{"WorkingDirectory=~/app", `"~"`},
	} {
		_, err := parse("x", "x.service", []byte("[Service]\nExecStart=/bin/true\n"+tc.line+"\n"), readFile)
		if err == nil {
			t.Errorf("%s accepted", tc.line)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "systemd") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %s\nwant a note about systemd mentioning %q", tc.line, msg, tc.want)
		}
	}
	for _, tc := range []struct {
		line, want string
	}{
		{"After=network.target", "in no order"},
		{"Before=web.service", "in no order"},
		{"Requires=db.service", "no dependencies"},
		{"Wants=db.service", "no dependencies"},
		{"BindsTo=db.service", "no dependencies"},
		{"PartOf=app.target", "no dependencies"},
		{"Documentation=https://example.com/doc", "X-Documentation="},
	} {
		_, err := parse("x", "x.service", []byte("[Unit]\n"+tc.line+"\n[Service]\nExecStart=/bin/true\n"), readFile)
		if err == nil {
			t.Errorf("[Unit] %s accepted", tc.line)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "systemd") || !strings.Contains(msg, tc.want) {
			t.Errorf("[Unit] %s: %s\nwant a note about systemd mentioning %q", tc.line, msg, tc.want)
		}
	}
	_, err := parse("x", "x.service", []byte("[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n"), readFile)
	if err == nil || !strings.Contains(err.Error(), "AutoStart=") {
		t.Errorf("[Install]: %v\nwant a note pointing at AutoStart=", err)
	}
}
