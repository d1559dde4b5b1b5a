package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPruneTrashBoundsAllNames: services of names used once each (a job
// applied, then removed, under a new name every time) never reach
// TrashKeep removals of a name; PruneTrash, run at each removal as superd
// does, still keeps at most TrashMax removals in all, deleting the oldest,
// whatever their names, and leaves the operator's own files alone.
func TestPruneTrashBoundsAllNames(t *testing.T) {
	dir := t.TempDir()
	data := []byte("[Service]\nExecStart=/bin/true\n")
	trash := filepath.Join(dir, TrashDir)
	if err := os.Mkdir(trash, 0o750); err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(trash, "notes.txt")
	if err := os.WriteFile(own, data, 0o640); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	const n = TrashMax + 20
	paths := make([]string, n)
	for i := range paths {
		name := fmt.Sprintf("job-%d", i)
		if _, err := WriteDefinition(dir, name, data); err != nil {
			t.Fatal(err)
		}
		// Out of order by name: the oldest go first, not the first names.
		p, err := RemoveDefinition(dir, name, start.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		paths[i] = p
		if err := PruneTrash(dir, name); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(trash)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != TrashMax+1 {
		t.Errorf("the trash holds %d files, want %d (TrashMax removals and the operator's file)", len(entries), TrashMax+1)
	}
	for i, p := range paths {
		_, err := os.Stat(p)
		if kept := i >= n-TrashMax; kept != (err == nil) {
			t.Errorf("removal %d (%s): kept %v, stat %v", i, filepath.Base(p), kept, err)
		}
	}
	if _, err := os.Stat(own); err != nil {
		t.Errorf("the operator's file was removed: %v", err)
	}
}

// TestPruneTrashKeepsPerNameFirst: the removals of the name being pruned
// past TrashKeep go first; the overall bound then takes the oldest of what
// is left, of any name.
func TestPruneTrashKeepsPerNameFirst(t *testing.T) {
	dir := t.TempDir()
	data := []byte("[Service]\nExecStart=/bin/true\n")
	start := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	at := start
	remove := func(name string) string {
		t.Helper()
		if _, err := WriteDefinition(dir, name, data); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Second)
		p, err := RemoveDefinition(dir, name, at)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// TrashMax-1 removals of others, then TrashKeep+1 of web: web's oldest
	// goes by its own rule, then the oldest of the others, to bring the
	// trash back to TrashMax.
	var others, web []string
	for i := range TrashMax - 1 {
		others = append(others, remove(fmt.Sprintf("job-%d", i)))
	}
	for range TrashKeep + 1 {
		web = append(web, remove("web"))
	}
	if err := PruneTrash(dir, "web"); err != nil {
		t.Fatal(err)
	}
	gone := map[string]bool{web[0]: true}
	for _, p := range others[:TrashKeep-1] {
		gone[p] = true
	}
	for _, p := range append(others, web...) {
		if _, err := os.Stat(p); gone[p] != (err != nil) {
			t.Errorf("%s: removed %v, stat %v", filepath.Base(p), gone[p], err)
		}
	}
}
