package config

import (
	"errors"
	"strings"
	"testing"
)

// IgnoreSIGPIPE= is a boolean as systemd parses them, default yes as in
// systemd, and part of the hash (a change restarts the service at reload).
func TestIgnoreSIGPIPE(t *testing.T) {
	const base = "[Service]\nExecStart=/bin/true\n"
	def, err := Parse("x", "x.service", []byte(base))
	if err != nil || !def.IgnoreSIGPIPE {
		t.Fatalf("no IgnoreSIGPIPE=: %v, %v; want true", def.IgnoreSIGPIPE, err)
	}
	if !New("x", "/bin/true").IgnoreSIGPIPE {
		t.Error("New: IgnoreSIGPIPE false, want the default, true")
	}
	for _, tc := range []struct {
		value string
		want  bool
	}{
		{"yes", true}, {"true", true}, {"on", true}, {"1", true}, {"Y", true}, {"t", true},
		{"no", false}, {"false", false}, {"off", false}, {"0", false}, {"N", false}, {"F", false},
	} {
		s, err := Parse("x", "x.service", []byte(base+"IgnoreSIGPIPE="+tc.value+"\n"))
		if err != nil || s.IgnoreSIGPIPE != tc.want {
			t.Errorf("IgnoreSIGPIPE=%s: %v, %v; want %v", tc.value, s.IgnoreSIGPIPE, err, tc.want)
			continue
		}
		if (s.Hash == def.Hash) != tc.want {
			t.Errorf("IgnoreSIGPIPE=%s: hash equal to the default's: %v, want %v", tc.value, s.Hash == def.Hash, tc.want)
		}
	}
	_, err = Parse("x", "x.service", []byte(base+"IgnoreSIGPIPE=sometimes\n"))
	var ce *Error
	if err == nil || !errors.Is(err, ErrInvalidValue) || !errors.As(err, &ce) || ce.Key != "IgnoreSIGPIPE" || ce.Line != 3 || !strings.Contains(err.Error(), `"sometimes"`) {
		t.Errorf("IgnoreSIGPIPE=sometimes: %v, want an invalid value error naming the key, its line and the value", err)
	}
}
