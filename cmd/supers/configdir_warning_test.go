package main

import (
	"testing"

	"github.com/supers-dev/supers/transport"
)

// An error about the config dir itself is its own warning, not counted as
// a service file that could not be loaded.
func TestConfigDirWarning(t *testing.T) {
	const dirMsg = "config dir /etc/super: no such file or directory (the services keep the configuration last loaded; a reload changes nothing until the dir can be loaded again)"
	fb := fixture()
	fb.cfgErrs = []transport.ConfigError{
		{File: "/etc/super/bad.service", Line: 3, Message: badFile},
		{File: "/etc/super", Dir: true, Message: dirMsg},
	}
	r := runAgainst(t, startDaemon(t, fb), "status")
	want := "supers: warning: " + dirMsg + "\n" +
		"supers: warning: 1 service file(s) could not be loaded:\n  " + badFile + "\n"
	if r.code != 0 || r.stderr != want {
		t.Errorf("code %d, stderr:\n%s\nwant:\n%s", r.code, r.stderr, want)
	}

	fb.cfgErrs = fb.cfgErrs[1:]
	r = runAgainst(t, startDaemon(t, fb), "list")
	if want := "supers: warning: " + dirMsg + "\n"; r.code != 0 || r.stderr != want {
		t.Errorf("code %d, stderr:\n%s\nwant:\n%s", r.code, r.stderr, want)
	}
}
