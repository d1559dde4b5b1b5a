package config

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestUMask(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  fs.FileMode
		err   bool
	}{
		{"0027", 0o27, false}, {"027", 0o27, false}, {"77", 0o77, false}, {"0", 0, false},
		{"0777", 0o777, false}, {"0000", 0, false},
		// Leading zeros do not count, as in systemd ("00027" was refused
		// with a message its value satisfies).
		{"00000", 0, false}, {"00027", 0o27, false}, {"000777", 0o777, false},
		{"1777", 0, true}, {"01777", 0, true}, {"0001000", 0, true}, {"0800", 0, true}, {"-22", 0, true}, {"0x1f", 0, true},
		{"u=rwx", 0, true},
	} {
		s, err := Parse("x", "x.service", []byte("[Service]\nExecStart=/bin/true\nUMask="+tc.value+"\n"))
		if tc.err {
			if err == nil || !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "UMask") || !strings.Contains(err.Error(), "octal") {
				t.Errorf("UMask=%s: %v, want an invalid value error that says what is wanted", tc.value, err)
			}
			continue
		}
		if err != nil || s.UMask == nil || *s.UMask != tc.want {
			t.Errorf("UMask=%s: %v, %v; want %#o", tc.value, s, err, tc.want)
		}
	}
	// Not given: superd's.
	s, err := Parse("x", "x.service", []byte("[Service]\nExecStart=/bin/true\n"))
	if err != nil || s.UMask != nil {
		t.Fatalf("no UMask=: %v, %v; want nil", s.UMask, err)
	}
	// In Go: Validate checks the range.
	bad := New("x", "/bin/true")
	m := fs.FileMode(0o1022)
	bad.UMask = &m
	if err := Validate(bad); err == nil || !strings.Contains(err.Error(), "UMask") {
		t.Errorf("Validate of UMask 01022: %v", err)
	}
}
