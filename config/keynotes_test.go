package config

import (
	"strings"
	"testing"
)

// TestSystemdLookalikeKeys checks that systemd keys superd does not have
// are not answered with a suggestion of a key that does something else:
// "did you mean TimeoutStopSec?" for TimeoutStartSec= would have a user
// change the stop timeout, "did you mean ExecStart?" for ExecStartPre= a
// second ExecStart=.
func TestSystemdLookalikeKeys(t *testing.T) {
	for key, want := range map[string]string{
		"ExecStartPre":    "not supported",
		"ExecStartPost":   "not supported",
		"TimeoutStartSec": "not supported",
	} {
		_, err := parse("x", "x.service", []byte("[Service]\nExecStart=/bin/true\n"+key+"=5\n"), readFile)
		if err == nil {
			t.Errorf("%s= accepted", key)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "did you mean") || !strings.Contains(msg, want) {
			t.Errorf("%s=: %s\nwant a note that it is %s, not a suggestion", key, msg, want)
		}
	}
}
