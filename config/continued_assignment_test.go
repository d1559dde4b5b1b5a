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

// TestContinuationIntoSectionHeader checks that a value continued onto a
// section header is refused, naming the header's line, and that the
// header still opens its section. Swallowed, "[Log]" was an argument of
// ExecStart= that check, apply and reload all accepted, and a header
// swallowed after Description= put ExecStart= under [Unit], where it was
// reported as missing from the [Service] it is written under.
func TestContinuationIntoSectionHeader(t *testing.T) {
	_, err := parse("c", "c.service", []byte("[Service]\nExecStart=/bin/echo hello \\\n[Log]\nMaxSize=1M\n"), readFile)
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || e.Key != keyExecStart || !errors.Is(err, ErrSyntax) ||
		!strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "section header") {
		t.Errorf("ExecStart= continued onto [Log]: %v\nwant one error on line 2 naming line 3 as a section header", err)
	}
	_, err = parse("c", "c.service", []byte("[Unit]\nDescription=my app \\\n[Service]\nExecStart=/bin/true\n"), readFile)
	if !errors.As(err, &e) || e.Line != 2 || e.Key != "Description" || errors.Is(err, ErrMissingKey) || errors.Is(err, ErrUnknownKey) {
		t.Errorf("Description= continued onto [Service]: %v\nwant only the error of line 2", err)
	}
	// A line that starts with "[" but is no header of a section of the
	// file goes on the value, as in systemd: a shell test, an IPv6 host.
	s, err := parse("c", "c.service", []byte("[Service]\nExecStart=/bin/sh -c \"\\\n  [ -f /etc/default/app ] && . /etc/default/app; \\\n  exec app\"\n"), readFile)
	if err != nil || len(s.ExecStart) != 3 || !strings.Contains(s.ExecStart[2], "[ -f /etc/default/app ] && ") {
		t.Errorf("ExecStart= continued onto a shell test: %q, %v; want it parsed, the test in its script", s.ExecStart, err)
	}
	if _, err := parseDaemon("superd.conf", []byte("[Daemon]\nHTTPListen=127.0.0.1:8080\nHTTPHosts=superd.example.com \\\n  [fd00::1]\n"), readFile); err != nil {
		t.Errorf("HTTPHosts= continued onto an IPv6 host: %v, want it parsed", err)
	}
	// In superd.conf too, without showing the header.
	_, err = parseDaemon("superd.conf", []byte("[Daemon]\nHTTPHosts=a \\\n[Webhook \"w\"]\nURL=https://h\n"), readFile)
	if err == nil || !strings.Contains(err.Error(), "section header") {
		t.Errorf("HTTPHosts= continued onto [Webhook]: %v", err)
	}
}
