package config

import (
	"strings"
	"testing"
)

// A long malformed value is quoted shortened in its error, as most keys'
// values already were: the durations, KillSignal=, MaxSize= and a
// service name repeated the whole value, so that one broken line of 60 KB
// made a 60 KB line in supers check, superd's log and a config-error event.
func TestLongValueErrorsAreShortened(t *testing.T) {
	long := strings.Repeat(`"`, 60000)
	for _, src := range []string{
		"[Service]\nExecStart=/bin/true\nTimeoutStopSec=1" + long + "\n",
		"[Service]\nExecStart=/bin/true\nRestartSec=" + long + "\n",
		"[Service]\nExecStart=/bin/true\nRestartSec=5" + strings.Repeat("x", 60000) + "\n",
		"[Service]\nExecStart=/bin/true\nKillSignal=" + strings.Repeat("X", 60000) + "\n",
		"[Service]\nExecStart=/bin/true\n[Log]\nMaxSize=1" + strings.Repeat("Q", 60000) + "\n",
		"[Service]\nExecStart=/bin/true\n[Log]\nMaxSize=" + long + "\n",
	} {
		_, err := parse("c", "c.service", []byte(src), readFile)
		if err == nil {
			t.Errorf("%.60q...: no error", src)
			continue
		}
		if len(err.Error()) > 1000 {
			t.Errorf("%.60q...: an error of %d bytes: %.300s", src, len(err.Error()), err)
		}
	}
	if err := ValidateName(strings.Repeat("a", 5000)); err == nil || len(err.Error()) > 1000 {
		t.Errorf("a 5000-character name: %d bytes of error: %.200v", len(err.Error()), err)
	}
}

// A long unknown key name is shown shortened, as a long value is: a
// 60 KB name gave a 60 KB error line (twice that outside a section).
func TestLongUnknownKeyIsShortened(t *testing.T) {
	long := "X" + strings.Repeat("y", 60000)
	for _, src := range []string{
		"[Service]\nExecStart=/bin/true\n" + long + "=1\n",
		long + "=1\n[Service]\nExecStart=/bin/true\n",
	} {
		_, err := parse("c", "c.service", []byte(src), readFile)
		if err == nil {
			t.Errorf("%.60q...: no error", src)
			continue
		}
		if !strings.Contains(err.Error(), "Xyyy") || !strings.Contains(err.Error(), "60001 characters") {
			t.Errorf("%.60q...: the error does not show the name's start and length: %.300s", src, err)
		}
		if len(err.Error()) > 1000 {
			t.Errorf("%.60q...: an error of %d bytes: %.300s", src, len(err.Error()), err)
		}
	}
}
