package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// A line longer than maxLogLine, in prefixed output, is printed in pieces
// of maxLogLine bytes (as README and the help say), each on a line of its
// own. A piece ending where the line ended was followed by an empty
// prefixed line (the line's own newline), and a piece was whatever the
// buffer held, 100 KiB for 100 KiB written at once.
func TestPrefixedLongLinePieces(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   []int // the length of each line printed, prefix and newline left out
	}{
		{"line ends where a piece does", []string{strings.Repeat("x", maxLogLine), "\nnext\n"}, []int{maxLogLine, 4}},
		{"the same in one write", []string{strings.Repeat("x", maxLogLine) + "\nnext\n"}, []int{maxLogLine, 4}},
		{"100 KiB at once", []string{strings.Repeat("y", 100<<10) + "\n"}, []int{maxLogLine, 100<<10 - maxLogLine}},
		{"two pieces and a bit, in small writes", repeatWrites("z", 1000, 2*maxLogLine+5), []int{maxLogLine, maxLogLine, 5}},
	} {
		var out bytes.Buffer
		w := (&lineMux{w: &out}).writer("web | ")
		for _, p := range tc.writes {
			if _, err := w.Write([]byte(p)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
		var got []int
		for line := range strings.Lines(out.String()) {
			if !strings.HasPrefix(line, "web | ") || !strings.HasSuffix(line, "\n") {
				t.Fatalf("%s: line %.40q... is not prefixed and ended", tc.name, line)
			}
			got = append(got, len(line)-len("web | ")-1)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: lines of %v bytes, want %v", tc.name, got, tc.want)
		}
	}
}

// repeatWrites returns writes of size bytes of s each, n bytes in all.
func repeatWrites(s string, size, n int) []string {
	var out []string
	for n > 0 {
		k := min(size, n)
		out = append(out, strings.Repeat(s, k))
		n -= k
	}
	return out
}
