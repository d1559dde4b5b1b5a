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
	const service = "[Service]\nExecStart=/bin/true\n"
	for _, tc := range []struct {
		file, want string
	}{
		{service + "Type=simple", "Type=simple"},
		{service + "KillMode=process", "process group"},
		{service + "ExecStop=/bin/kill $MAINPID", "KillSignal="},
		{service + "ExecReload=/bin/kill -HUP $MAINPID", "supers signal"},
		{service + "SendSIGKILL=no", "TimeoutStopSec=infinity"},
		{service + "TimeoutSec=5", "TimeoutStopSec="},
		{service + "WorkingDirectory=-/srv/app", `"-" prefix`},
		{service + "WorkingDirectory=~", `"~"`},
		{service + "WorkingDirectory=~/app", `"~"`},
		{"[Unit]\nAfter=network.target\n" + service, "in no order"},
		{"[Unit]\nBefore=web.service\n" + service, "in no order"},
		{"[Unit]\nRequires=db.service\n" + service, "no dependencies"},
		{"[Unit]\nWants=db.service\n" + service, "no dependencies"},
		{"[Unit]\nBindsTo=db.service\n" + service, "no dependencies"},
		{"[Unit]\nPartOf=app.target\n" + service, "no dependencies"},
		{"[Unit]\nDocumentation=https://example.com/doc\n" + service, "X-Documentation="},
	} {
		_, err := parse("x", "x.service", []byte(tc.file+"\n"), readFile)
		if err == nil {
			t.Errorf("%q accepted", tc.file)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "systemd") || !strings.Contains(msg, tc.want) {
			t.Errorf("%q: %s\nwant a note about systemd mentioning %q", tc.file, msg, tc.want)
		}
	}
	_, err := parse("x", "x.service", []byte("[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n"), readFile)
	if err == nil || !strings.Contains(err.Error(), "AutoStart=") {
		t.Errorf("[Install]: %v\nwant a note pointing at AutoStart=", err)
	}
}
