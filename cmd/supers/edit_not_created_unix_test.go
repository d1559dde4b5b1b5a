//go:build unix

package main

import (
	"strings"
	"testing"
)

// supers edit of a definition superd saves but whose service it cannot
// create says so, with why, and fails; the edit is saved, so the
// temporary file is not kept.
func TestEditNotCreated(t *testing.T) {
	fb := withDefs()
	fb.defs["nolog"] = "[Service]\nExecStart=/bin/sleep 1000\n"
	socket := startDaemon(t, notCreatedBackend{fb})
	e := newEditor(t, saves("[Service]\nExecStart=/bin/sleep 999\n"))
	r := runEdit(t, socket, e, "nolog")
	if r.code != exitError || r.stdout != "nolog: not created (its file is written)\n" ||
		!strings.HasPrefix(r.stderr, "supers: edit nolog: service nolog not created: logs: not a directory") || strings.Contains(r.stderr, "kept") {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	_, path := e.seen(t, 1)
	assertRemoved(t, path)
}
