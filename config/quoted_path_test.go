package config

import (
	"strings"
	"testing"
)

// TestQuotedPathSaysWhy checks that a path written in quotes, as for
// ExecStart=, is refused with the reason: quotes are not removed from a
// path. "WorkingDirectory=\"/srv/my app\"" was refused as "must be an
// absolute path", which the path looks like.
func TestQuotedPathSaysWhy(t *testing.T) {
	for _, line := range []string{
		`WorkingDirectory="/srv/my app"`,
		`WorkingDirectory='/srv/app'`,
		`EnvironmentFile="/etc/my app.env"`,
		`EnvironmentFile=-"/etc/app.env"`,
	} {
		_, err := parse("q", "q.service", []byte("[Service]\nExecStart=/bin/true\n"+line+"\n"), readFile)
		if err == nil || !strings.Contains(err.Error(), "quotes") {
			t.Errorf("%s: %v\nwant an error about the quotes", line, err)
		}
	}
	_, err := parseDaemon("superd.conf", []byte("[Daemon]\nHTTPTokenFile=\"/etc/super/http.token\"\n"), readFile)
	if err == nil || !strings.Contains(err.Error(), "quotes") {
		t.Errorf("HTTPTokenFile= in quotes: %v\nwant an error about the quotes", err)
	}
	// A path with spaces needs none.
	s, err := parse("q", "q.service", []byte("[Service]\nExecStart=/bin/true\nWorkingDirectory=/srv/my app\n"), readFile)
	if err != nil || s.WorkingDirectory != "/srv/my app" {
		t.Errorf("WorkingDirectory=/srv/my app: %v", err)
	}
}
