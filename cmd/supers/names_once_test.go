package main

import (
	"slices"
	"strings"
	"testing"
)

// A name given twice stands for its service once, as expand's doc says
// and as a pattern matching it again does: "supers stop web web" sent two
// stops of web at once and printed its row twice.
func TestNameGivenTwiceActsOnce(t *testing.T) {
	for _, verb := range []string{"status", "start", "stop", "restart"} {
		fb := fixture()
		r := runAgainst(t, startDaemon(t, fb), verb, "web", "db", "web")
		if r.code != exitOK || strings.Count(r.stdout, "\nweb ") != 1 || strings.Count(r.stdout, "\ndb ") != 1 {
			t.Errorf("%s web db web: code %d, stdout %q, stderr %q", verb, r.code, r.stdout, r.stderr)
		}
		if n := fb.callsOn("web"); n != 1 {
			t.Errorf("%s web db web: %d calls on web: %q", verb, n, fb.callLog())
		}
		if rows := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(rows) != 3 || !strings.HasPrefix(rows[1], "web ") || !strings.HasPrefix(rows[2], "db ") {
			t.Errorf("%s web db web: rows %q, want web then db", verb, rows)
		}
	}
	fb := fixture()
	r := runAgainst(t, startDaemon(t, fb), "--json", "stop", "web", "web")
	if r.code != exitOK || strings.Count(r.stdout, `"name": "web"`) != 1 || !slices.Equal(fb.callLog(), []string{"stop web"}) {
		t.Errorf("--json stop web web: code %d, stdout %q, calls %q", r.code, r.stdout, fb.callLog())
	}
}

// rm of a name given twice removes it once and succeeds: the second
// removal found no file and made "supers rm web db web" exit 4.
func TestRmNameGivenTwice(t *testing.T) {
	fb := withDefs()
	r := runAgainst(t, startDaemon(t, fb), "rm", "web", "db", "web")
	want := "web: deleted (moved to /etc/super/.trash/web.service.20261126T010203)\n" +
		"db: deleted (moved to /etc/super/.trash/db.service.20261126T010203)\n"
	if r.code != exitOK || r.stdout != want || r.stderr != "" {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
