package main

import (
	"path"
	"testing"
)

// A bracket expression negated the shell's way, [!...], is read as the
// shell reads it: "[!w]*" is every name that does not start with w. It
// was read as "! or w", so that "supers stop '[!w]*'" stopped exactly the
// services a user meant to keep.
func TestShellPattern(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"web-*", "web-*"},
		{"[!w]*", "[^w]*"},
		{"x[!ab]y[!c]", "x[^ab]y[^c]"},
		{"[^w]*", "[^w]*"},
		{"[]!]x", "[]!]x"},         // "]" first in a class is a byte of it, and so is this "!"
		{`\[!w]`, `\[!w]`},         // an escaped "[" starts no class
		{"[a!]![!b]", "[a!]![^b]"}, // "!" inside a class, or outside one, is itself
		{"[!", "[^"},               // malformed either way: path.Match refuses it
	} {
		if got := shellPattern(tc.in); got != tc.want {
			t.Errorf("shellPattern(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for name, want := range map[string]bool{"web": false, "worker-1": false, "db": true, "api": true} {
		if ok, err := path.Match(shellPattern("[!w]*"), name); err != nil || ok != want {
			t.Errorf("[!w]* matches %s: %v, %v; want %v", name, ok, err, want)
		}
	}
}
