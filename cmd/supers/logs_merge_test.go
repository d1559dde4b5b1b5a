package main

import "testing"

func TestLineStamp(t *testing.T) {
	for _, tc := range []struct {
		line  string
		stamp string
	}{
		{"2026-11-27T10:00:00.001Z hello\n", "2026-11-27T10:00:00.001Z"},
		{"2026-11-27T10:00:00.001Z \n", "2026-11-27T10:00:00.001Z"},
		{"2026-11-27T10:00:00.001Z", ""},        // no space after it
		{"2026-11-27T10:00:00.001Zhello\n", ""}, // nor here
		{"2026-11-27T10:00:00.001+ hello\n", ""},
		{"2026-11-27 10:00:00.001Z hello\n", ""},
		{"2026-11-27T10:00:00,001Z hello\n", ""},
		{"2026-1x-27T10:00:00.001Z hello\n", ""},
		{"hello\n", ""},
		{"", ""},
	} {
		stamp, ok := lineStamp([]byte(tc.line))
		if string(stamp) != tc.stamp || ok != (tc.stamp != "") {
			t.Errorf("lineStamp(%q) = %q, %t; want %q", tc.line, stamp, ok, tc.stamp)
		}
	}
}

func TestPickStream(t *testing.T) {
	const early, late = "2026-11-27T10:00:00.001Z a\n", "2026-11-27T10:00:00.002Z b\n"
	line := func(s string) []byte {
		if s == "-" {
			return nil // read to the end
		}
		return []byte(s)
	}
	for _, tc := range []struct {
		a, b       string
		aMid, bMid bool
		want       int
	}{
		{"-", "-", false, false, -1},
		{early, "-", false, false, 0},
		{"-", early, false, false, 1},
		{late, early, false, false, 1},
		{early, late, false, false, 0},
		{early, early, false, false, 0}, // a tie: stdout first
		{"plain\n", early, false, false, 0},
		{late, "plain\n", false, false, 1},
		{late, early, true, false, 0}, // a line under way goes on first
		{early, late, false, true, 1},
	} {
		a, b := line(tc.a), line(tc.b)
		if got := pickStream(a, b, tc.aMid, tc.bMid); got != tc.want {
			t.Errorf("pickStream(%q, %q, %t, %t) = %d, want %d", tc.a, tc.b, tc.aMid, tc.bMid, got, tc.want)
		}
	}
}
