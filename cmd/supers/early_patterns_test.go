package main

import (
	"path"
	"slices"
	"testing"
)

// The patterns a stop sends superd while it is starting stand for the
// services the command names: every one for --all, a pattern as
// path.Match reads it, a name as a pattern that matches it alone.
func TestEarlyStopPatterns(t *testing.T) {
	if got := earlyStopPatterns(nil, true); !slices.Equal(got, []string{"*"}) {
		t.Errorf("--all: %q, want [*]", got)
	}
	got := earlyStopPatterns([]string{"web-*", "[!w]*", "db.1"}, false)
	if want := []string{"web-*", "[^w]*", "[d]b.1"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, name := range []string{"db.1", "db-1", "db", "xdb.1"} {
		if ok, err := path.Match(got[2], name); err != nil || ok != (name == "db.1") {
			t.Errorf("%q matches %q: %v, %v; want the name alone", got[2], name, ok, err)
		}
	}
}
