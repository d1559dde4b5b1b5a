package config

import (
	"errors"
	"strings"
	"testing"
)

// TestTooManyErrorsMarked checks that a file with more problems than are
// reported ends its list with the "too many errors" note, superd.conf
// included: the scanner stopped looking at the 50th problem without
// saying so, so the list looked complete. (A service file got the note by
// chance: its ExecStart=, never applied, was then reported missing.)
func TestTooManyErrorsMarked(t *testing.T) {
	bogus := func(head string, n int) []byte {
		return []byte(head + strings.Repeat("Bogus=1\n", n))
	}
	for _, tc := range []struct {
		name string
		data []byte
		run  func([]byte) error
	}{
		{"superd.conf", bogus("[Daemon]\n", 60), func(d []byte) error {
			_, err := parseDaemon("superd.conf", d, readFile)
			return err
		}},
		{"service", bogus("[Service]\nExecStart=/bin/true\n", 60), func(d []byte) error {
			_, err := parse("x", "x.service", d, readFile)
			return err
		}},
	} {
		var list Errors
		if err := tc.run(tc.data); !errors.As(err, &list) {
			t.Errorf("%s: err = %v, want Errors", tc.name, err)
			continue
		}
		last := list[len(list)-1]
		if !errors.Is(last, errTooMany) || len(list) != maxErrors+1 {
			t.Errorf("%s: %d errors, last %q; want %d and the note", tc.name, len(list), last, maxErrors)
		}
	}
}
