package config

import (
	"slices"
	"strings"
	"testing"
)

// As in systemd, comment lines inside a continued value are ignored: the
// value goes on with the line after them. They used to be appended to the
// value, so that a flag commented out of a continued ExecStart= was passed
// to the program, with a "#" word before it.
func TestContinuationSkipsCommentLines(t *testing.T) {
	checkExecStarts(t, []execStartCase{
		{"hash comment", "[Service]\nExecStart=/bin/foo \\\n# --old-flag \\\n  --new-flag\n", []string{"/bin/foo", "--new-flag"}},
		{"semicolon comment", "[Service]\nExecStart=/bin/foo \\\n  ; --old\n  --new\n", []string{"/bin/foo", "--new"}},
		{"several comments", "[Service]\nExecStart=/bin/foo \\\n#a\n;b\n  --x \\\n#c\n  --y\nUser=nobody\n", []string{"/bin/foo", "--x", "--y"}},
		{"comment before the end of the file", "[Service]\nExecStart=/bin/foo \\\n# last", []string{"/bin/foo"}},
	})
	// The lines after the continued value keep their numbers.
	_, err := Parse("t", "t.service", []byte("[Service]\nExecStart=/bin/foo \\\n# x\n  --y\nBogus=1\n"))
	if want := "t.service:5: [Service] Bogus: unknown key"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// As in systemd, the backslash that continues a line becomes a space: a
// unit written "--a\" then "--b" passes two words. ini.v1 dropped it and
// passed "--a--b".
func TestContinuationBackslashIsASpace(t *testing.T) {
	checkExecStarts(t, []execStartCase{
		{"no space before the backslash", "[Service]\nExecStart=/bin/foo\\\n--a\\\n  --b\n", []string{"/bin/foo", "--a", "--b"}},
		{"a line of a lone backslash", "[Service]\nExecStart=/bin/foo\\\n\\\n--a\n", []string{"/bin/foo", "--a"}},
		{"inside quotes", "[Service]\nExecStart=/bin/echo 'x\\\ny'\n", []string{"/bin/echo", "x y"}},
		{"at the end of the file", "[Service]\nExecStart=/bin/foo --a\\", []string{"/bin/foo", "--a"}},
	})
	s, err := Parse("t", "t.service", []byte("[Service]\nExecStart=x\n[Unit]\nDescription=one\\\ntwo \\\n  three\n"))
	if err != nil || s.Description != "one two  three" {
		t.Errorf("Description = %q, %v; want systemd's %q", s.Description, err, "one two  three")
	}
}

// execStartCase is a service file and the ExecStart= it must parse to.
type execStartCase struct {
	name, text string
	want       []string
}

// checkExecStarts parses each case's text and checks its ExecStart= and
// that ini.v1 gave every value as the scanner found it.
func checkExecStarts(t *testing.T, cases []execStartCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("t", "t.service", []byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.ExecStart, tc.want) {
				t.Errorf("ExecStart = %q, want %q", s.ExecStart, tc.want)
			}
			checkValues(t, []byte(tc.text))
		})
	}
}

// As in systemd, only a backslash that is not itself escaped continues a
// line: "C:\\" ends with the word C:\. Taken for a continuation, it
// swallowed the next line, so a User= after it did not apply and the
// service ran as root.
func TestContinuationNotByAnEscapedBackslash(t *testing.T) {
	checkExecStarts(t, []execStartCase{
		{"escaped backslash", "[Service]\nExecStart=/bin/echo C:\\\\\nUser=nobody\n", []string{"/bin/echo", `C:\`}},
		{"three backslashes continue", "[Service]\nExecStart=/bin/echo C:\\\\\\\n--a\n", []string{"/bin/echo", `C:\`, "--a"}},
		{"four do not", "[Service]\nExecStart=/bin/echo a\\\\\\\\\nUser=nobody\n", []string{"/bin/echo", `a\\`}},
	})
	s, err := Parse("t", "t.service", []byte("[Service]\nExecStart=/bin/echo C:\\\\dir\\\\\nUser=nobody\n"))
	if err != nil || s.User != "nobody" || !slices.Equal(s.ExecStart, []string{"/bin/echo", `C:\dir\`}) {
		t.Errorf("User = %q, ExecStart = %q, %v; want nobody and [/bin/echo C:\\dir\\]", s.User, s.ExecStart, err)
	}
}

// A value that starts with ` or """ once its continuation lines are
// joined is refused as one that does on its first line: ini.v1 read it
// as a quoted value, so that "ExecStart=\" then "`/bin/echo` hi" ran
// /bin/echo alone, and an unclosed quote was an "internal error".
func TestContinuationIntoAQuoteIsRefused(t *testing.T) {
	for _, text := range []string{
		"[Service]\nExecStart=\\\n  `/bin/echo` hello world\n",
		"[Service]\nExecStart=\\\n  `/bin/echo hello\nUser=nobody\n",
		"[Service]\nExecStart=\\\n\\\n  \"\"\"/bin/echo\"\"\" x\n",
		"[Service]\nExecStart=/bin/true\nUser=\\\n# c\n`nobody`\n",
	} {
		_, err := Parse("t", "t.service", []byte(text))
		if err == nil || !strings.Contains(err.Error(), "t.service:") || !strings.Contains(err.Error(), "a value must not start with ` or \"\"\"") ||
			strings.Contains(err.Error(), "internal error") {
			t.Errorf("%q: error %v, want the refusal of a value that starts with a quote", text, err)
		}
	}
}
