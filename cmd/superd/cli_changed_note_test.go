//go:build linux

package main

import (
	"strings"
	"testing"
)

// A service whose file changed on disk is marked in supers status, with a
// note to run supers reload. When the reload just run refused the file
// (a typo), the note said only that, as if the reload were the fix: it now
// names the services whose file the last load refused.
func TestStatusNoteNamesRefusedFiles(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"b.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	})
	d.start()
	d.waitRunning("a")
	d.waitRunning("b")

	d.writeFile("a.service", "[Service]\nExecStart=/bin/sleep 1000\nRestrat=always\n")
	d.writeFile("b.service", "[Service]\nExecStart=/bin/sleep 1001\n")
	if _, _, code := d.cli("reload"); code != 1 {
		t.Fatalf("reload with a.service broken: exit %d, want 1", code)
	}
	_, errs, _ := d.cli("status", "a")
	if want := `the last load refused the file of a: "supers check" says why`; !strings.Contains(errs, "config changed on disk") || !strings.Contains(errs, want) {
		t.Errorf("supers status a after a refused reload: stderr %q, want the note and %q", errs, want)
	}
	_, errs, _ = d.cli("status")
	if !strings.Contains(errs, "refused the file of a:") || strings.Contains(errs, "of a, b") {
		t.Errorf("supers status after a refused reload: stderr %q, want the note naming a only", errs)
	}

	d.writeFile("a.service", "[Service]\nExecStart=/bin/sleep 1002\n")
	d.mustCLI("reload")
	if _, errs, _ := d.cli("status", "a"); strings.Contains(errs, "config changed") {
		t.Errorf("supers status a after a reload that applied the fix: stderr %q", errs)
	}
}
