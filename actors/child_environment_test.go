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
		if got := baseEnv(tt.environ, tt.self, envRules{defaultPath: defaultPath}); !slices.Equal(got, tt.want) {
			t.Errorf("%s: baseEnv = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// On Windows, names compare without case ("Path" is PATH), the system's
// variables that programs need are passed, and there is no default PATH.
func TestBaseEnvWindowsRules(t *testing.T) {
	rules := envRules{foldCase: true, system: []string{"SystemRoot", "TEMP", "USERPROFILE"}}
	noEntry := func() ([]string, error) { return nil, errors.New("no passwd entry") }
	environ := []string{`Path=C:\Windows\system32;C:\Go\bin`, `SYSTEMROOT=C:\Windows`, `TEMP=C:\Users\svc\AppData\Local\Temp`,
		`USERPROFILE=C:\Users\svc`, "API_TOKEN=secret", "LANG=C"}
	want := []string{`PATH=C:\Windows\system32;C:\Go\bin`, `SystemRoot=C:\Windows`, `TEMP=C:\Users\svc\AppData\Local\Temp`,
		`USERPROFILE=C:\Users\svc`, "LANG=C"}
	if got := baseEnv(environ, noEntry, rules); !slices.Equal(got, want) {
		t.Errorf("baseEnv = %q, want %q", got, want)
	}
	if got := baseEnv([]string{"TEMP=x"}, noEntry, rules); !slices.Equal(got, []string{"TEMP=x"}) {
		t.Errorf("without PATH: baseEnv = %q, want no PATH", got)
	}
}
