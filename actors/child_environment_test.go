package actors

import (
	"errors"
	"slices"
	"testing"
)

// baseEnv keeps only PATH, HOME, USER, LOGNAME and the locale of the
// supervisor's environment (not SHELL).
func TestBaseEnv(t *testing.T) {
	// SHELL is for services with User= only, as under systemd.
	self := func() ([]string, error) {
		return []string{"HOME=/home/app", "USER=app", "LOGNAME=app", "SHELL=/bin/bash"}, nil
	}
	noEntry := func() ([]string, error) { return nil, errors.New("no passwd entry") }
	environ := []string{"API_TOKEN=secret", "PATH=/opt/bin:/usr/bin", "HOME=/root", "USER=root",
		"LANG=C.UTF-8", "LC_TIME=C", "LANGUAGE=en", "TZ=UTC", "SUPERD_SECRET=x", "LC_TIME=POSIX"}
	tests := []struct {
		name    string
		environ []string
		self    func() ([]string, error)
		want    []string
	}{
		{"passwd entry", environ, self, []string{"PATH=/opt/bin:/usr/bin", "HOME=/home/app", "USER=app", "LOGNAME=app",
			"LANG=C.UTF-8", "LC_TIME=POSIX", "LANGUAGE=en"}},
		{"no passwd entry: the supervisor's own", environ, noEntry, []string{"PATH=/opt/bin:/usr/bin", "HOME=/root", "USER=root",
			"LANG=C.UTF-8", "LC_TIME=POSIX", "LANGUAGE=en"}},
		{"no PATH", []string{"TOKEN=x"}, self, []string{"PATH=" + defaultPath, "HOME=/home/app", "USER=app", "LOGNAME=app"}},
		{"empty PATH", []string{"PATH="}, noEntry, []string{"PATH=" + defaultPath}},
	}
	for _, tt := range tests {
		if got := baseEnv(tt.environ, tt.self); !slices.Equal(got, tt.want) {
			t.Errorf("%s: baseEnv = %q, want %q", tt.name, got, tt.want)
		}
	}
}
