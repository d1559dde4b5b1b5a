//go:build unix

package logsink

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// syncLog is a log output safe for the follower and the test at once.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *syncLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// A follower waiting for a symlink at its path to become a regular file
// says so once, not at each look: every change in the directory woke it,
// and each wake logged "waiting for a regular log file" again (three in
// the same millisecond for one follower of the HTTP API). Once a regular
// file was read, a new link is said again.
func TestFollowWarnsOnceAboutAnUnsafeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stdout.log")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), path); err != nil {
		t.Fatal(err)
	}
	const warning = "waiting for a regular log file"
	var logged syncLog
	c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))}))
	for i := range 5 { // changes that wake the follower
		appendFile(t, filepath.Join(dir, fmt.Sprintf("other-%d", i)), "x\n")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "regular\n")
	c.expect(t, []byte("regular\n"))
	if n := logged.count(warning); n != 1 {
		t.Errorf("%d warnings while waiting for a regular file, want 1:\n%s", n, logged.String())
	}

	// A link again, once the regular file is gone: said again.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second wait said", func() bool { return logged.count(warning) == 2 })
}
