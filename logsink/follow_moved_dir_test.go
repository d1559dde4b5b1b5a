//go:build linux

package logsink

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestFollowLogDirMovedAway checks that a follower goes on with the new
// file when the directory holding its file's directory (superd's log dir)
// is renamed away and made again, as an operator archiving the logs does
// (mv logs logs.old) while the Sink recreates logs/svc/stdout.log at its
// next write. The renamed directory's watch sees nothing of that: without
// a watch on the log dir too, the follower waited for ever in the old file.
func TestFollowLogDirMovedAway(t *testing.T) {
	w := NewWatcher(nil)
	defer w.Close()
	base := t.TempDir()
	root := filepath.Join(base, "logs")
	path := filepath.Join(root, "svc", "stdout.log")
	mkdirOf(t, path)
	appendFile(t, path, "1\n")
	c := collect(t, openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true, Watcher: w}))
	c.expect(t, []byte("1\n"))
	want := "1\n"
	for round := range 3 {
		mustRename(t, root, filepath.Join(base, fmt.Sprintf("logs.old%d", round)))
		mkdirOf(t, path)
		line := fmt.Sprintf("%d\n", round+2)
		appendFile(t, path, line)
		want += line
		c.expect(t, []byte(want))
	}
}
