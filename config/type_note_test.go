package config

import (
	"strings"
	"testing"
)

// A unit ported from systemd with Type=oneshot must not lose systemd's
// behaviour with the line: systemd does not restart a oneshot by default,
// superd's default Restart=on-failure would run a failing job again up to
// the start limit. The note of Type= tells the user to put Restart=no in
// its place, and what superd then does with the process that ends.
func TestTypeNoteTellsOneshotRestartNo(t *testing.T) {
	for _, v := range []string{"oneshot", "simple", "forking"} {
		_, err := Parse("x", "x.service", []byte("[Service]\nExecStart=/bin/true\nType="+v+"\n"))
		if err == nil {
			t.Fatalf("Type=%s accepted", v)
		}
		msg := err.Error()
		for _, want := range []string{"Type=simple", "Type=oneshot, put Restart=no", "exited", "Restart=on-failure"} {
			if !strings.Contains(msg, want) {
				t.Errorf("Type=%s: %s\nwant a note with %q", v, msg, want)
			}
		}
	}
	// What the note says to write loads, and is Restart=no.
	s, err := Parse("x", "x.service", []byte("[Service]\nExecStart=/bin/true\nRestart=no\n"))
	if err != nil || s.Restart.Mode != RestartNo {
		t.Fatalf("Restart=no: %v, %v", s, err)
	}
}
