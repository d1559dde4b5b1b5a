package config

import (
	"errors"
	"strings"
	"testing"
)

// TestSensitiveHeaderNotShown checks that an error about a section header
// of superd.conf does not quote the line when it is malformed, nor the
// name of an unknown section too long to be a typo of a known one: a
// webhook written on one line, [Webhook "a"] URL=https://... with its
// token, was shown whole in "unexpected text after section header ...",
// though the errors of superd.conf never show a URL or a secret.
func TestSensitiveHeaderNotShown(t *testing.T) {
	for _, src := range []string{
		"[Webhook \"a\"] URL=https://hooks.example.com/services/" + leak + "\n",
		"[Webhook \"a\"] Secret=whsec_" + leak + "\n",
		"[whsec_" + leak + "\n",
		"[whsec_" + leak + strings.Repeat("x", maxShownKey) + "]\n",
	} {
		_, err := parseDaemon("superd.conf", []byte(src), readFile)
		var e *Error
		if !errors.As(err, &e) || e.Line != 1 {
			t.Errorf("%q: %v, want an error on line 1", src, err)
			continue
		}
		if strings.Contains(err.Error(), leak) {
			t.Errorf("%q: the error shows the line: %v", src, err)
		}
	}
	// A service file, which holds no secret, quotes the line; a short
	// unknown section of superd.conf is named, with a suggestion.
	_, err := parse("s", "s.service", []byte("[Service] ExecStart=/bin/true\n"), readFile)
	if err == nil || !strings.Contains(err.Error(), `"[Service] ExecStart=/bin/true"`) {
		t.Errorf("service file: %v, want the line quoted", err)
	}
	_, err = parseDaemon("superd.conf", []byte("[Webhok \"a\"]\n"), readFile)
	if err == nil || !strings.Contains(err.Error(), `did you mean [Webhook "a"]?`) {
		t.Errorf("[Webhok \"a\"]: %v, want a suggestion", err)
	}
}

// TestBlankSectionName: a header of spaces is an unknown section, in
// superd.conf too (where the check of the name's words must not fail on
// a name without any).
func TestBlankSectionName(t *testing.T) {
	if _, err := parseDaemon("superd.conf", []byte("[   ]\n"), readFile); !errors.Is(err, ErrUnknownSection) {
		t.Errorf("superd.conf: %v", err)
	}
	if _, err := parse("s", "s.service", []byte("[ \t ]\n[Service]\nExecStart=/bin/true\n"), readFile); !errors.Is(err, ErrUnknownSection) {
		t.Errorf("service file: %v", err)
	}
}
