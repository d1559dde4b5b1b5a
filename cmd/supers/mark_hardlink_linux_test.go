//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A service file edited through another hard link to it, outside the
// config dir, gets the "*" of a file changed since it was loaded, as an
// edit of its own path does. superd used to keep answering, from the
// result of its first look, that nothing changed.
func TestStatusMarksAnEditThroughAHardLink(t *testing.T) {
	t.Parallel()
	d := startRealSuperd(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 1000\n"})
	d.waitRunning(t, "web")
	for range 2 { // the first query looks at the file, the second may answer from what it found
		if r := runAgainst(t, d.socket, "status", "web"); r.code != 0 || strings.Contains(r.stdout, "*") {
			t.Fatalf("status before any edit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
	link := filepath.Join(d.root, "web.link")
	if err := os.Link(filepath.Join(d.dir, "web.service"), link); errors.Is(err, syscall.EXDEV) {
		t.Skipf("config dir and its parent on two file systems: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(link, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("# edited through a link\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// The edit is done when the write returns: no wait.
	r := runAgainst(t, d.socket, "status", "web")
	if r.code != 0 || !strings.Contains(r.stdout, "running *") {
		t.Errorf("status after an edit through a hard link: exit %d, want the * mark\n%s%s", r.code, r.stdout, r.stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := d.client.List(ctx)
	if err != nil || len(list) != 1 || !list[0].ConfigChanged {
		t.Errorf("list after an edit through a hard link: %+v, %v; want web with config_changed", list, err)
	}
}
