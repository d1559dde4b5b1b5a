package config

import (
	"errors"
	"strings"
	"testing"
)

// TestRefusedRequiredKeyNotMissing checks that a required key whose value
// the scanner refuses (in quotes that ini.v1 would let span lines, too
// long, continued onto an assignment) is reported once, for its value,
// and not also as "required key is missing": it is there, on the line the
// first error names.
func TestRefusedRequiredKeyNotMissing(t *testing.T) {
	for _, src := range []string{
		"[Service]\nExecStart=`/bin/true`\n",
		"[Service]\nExecStart=\"\"\"/bin/true\"\"\"\n",
		"[Service]\nExecStart=/bin/echo " + strings.Repeat("x", maxValueLen) + "\n",
		"[Service]\nExecStart=/bin/true \\\nUser=nobody\n",
	} {
		_, err := parse("r", "r.service", []byte(src), readFile)
		if errors.Is(err, ErrMissingKey) {
			t.Errorf("%.40q: %v\nwant no \"required key is missing\"", src, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Line != 2 || e.Key != keyExecStart {
			t.Errorf("%.40q: %v\nwant an error on line 2 for ExecStart", src, err)
		}
	}
	_, err := parseDaemon("superd.conf", []byte("[Webhook \"a\"]\nURL=`https://h`\n"), readFile)
	var e *Error
	if errors.Is(err, ErrMissingKey) || !errors.As(err, &e) || e.Line != 2 || e.Key != keyURL {
		t.Errorf("URL=`...`: %v\nwant one error on line 2 for URL", err)
	}
	// Missing is still missing.
	if _, err := parse("r", "r.service", []byte("[Service]\nUser=nobody\n"), readFile); !errors.Is(err, ErrMissingKey) {
		t.Errorf("no ExecStart=: %v", err)
	}
	if _, err := parseDaemon("superd.conf", []byte("[Webhook \"a\"]\nRetries=1\n"), readFile); !errors.Is(err, ErrMissingKey) {
		t.Errorf("no URL=: %v", err)
	}
}
