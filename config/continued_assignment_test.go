package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestContinuationIntoAssignment checks that a value continued (by a
// trailing backslash) onto a line that sets a key is refused, naming both
// lines, and that the key's own line is read as an assignment. The line
// was swallowed into the value: a stray backslash after ExecStart= made a
// service that names User= run as root, with "User=nobody" as an
// argument; in superd.conf, a Secret= (or a URL= with its token) swallowed
// into Events= or HTTPHosts= was shown in the error of that value.
func TestContinuationIntoAssignment(t *testing.T) {
	_, err := parse("c", "c.service", []byte("[Service]\nExecStart=/bin/sleep 1000 \\\nUser=nobody\n"), readFile)
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || e.Key != keyExecStart || !errors.Is(err, ErrSyntax) ||
		!strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "User=") {
		t.Errorf("ExecStart= continued onto User=: %v\nwant one error on line 2 naming line 3 and User=", err)
	}
	// The line it would have swallowed is an assignment: its errors are
	// its own.
	_, err = parse("c", "c.service", []byte("[Service]\nExecStart=/bin/true \\\nUser=a b\n"), readFile)
	var list Errors
	if !errors.As(err, &list) || len(list) < 2 || list[0].Line != 2 || list[1].Line != 3 || list[1].Key != keyUser {
		t.Errorf("continued onto an invalid User=: %v\nwant the error of line 2, then User='s on line 3", err)
	}
	// A continued value may go on with anything else, as in systemd:
	// words, other KEY=VALUE words (unknown keys, quoted), comment lines.
	s, err := parse("c", "c.service", []byte("[Service]\nExecStart=/usr/bin/env \\\n  PATH=/x \\\n  # User=nobody\n  \"User=y\" app\n"+
		"Environment=A=1 \\\n B=2\n"), readFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/usr/bin/env", "PATH=/x", "User=y", "app"}; !slices.Equal(s.ExecStart, want) {
		t.Errorf("ExecStart = %q, want %q", s.ExecStart, want)
	}

	const secret = "whsec_" + leak
	for _, src := range []string{
		"[Webhook \"a\"]\nURL=https://h\nEvents=exit \\\nSecret=" + secret + "\n",
		"[Webhook \"a\"]\nURL=https://h\nTimeout=5s \\\n  Secret = " + secret + "\n",
		"[Webhook \"a\"]\nURL=https://h\nSecret=whsec_dmFsaWQ= \\\nSecret=" + secret + "\n",
		"[Daemon]\nHTTPHosts=a \\\nSecret=" + secret + "\n",
		"[Daemon]\nHTTPHosts=a \\\nSecert=" + secret + "\n", // a key misspelt
		"[Webhook \"a\"]\nEvents=exit \\\nURL=https://h/" + leak + "\n",
	} {
		_, err := parseDaemon("superd.conf", []byte(src), readFile)
		if err == nil {
			t.Errorf("%q: accepted", src)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, leak) || !strings.Contains(msg, "backslash") {
			t.Errorf("%q:\n%s\nwant an error about the backslash that does not show the secret", src, msg)
		}
	}
}
