//go:build unix

package logsink

import (
	"testing"
	"time"
)

// A live file moved away and put back under its path (as the writer does
// when lumberjack moved it to a backup of its own and could not open a new
// one: see putBackLive) is the file a follower read, not a new one: seen
// while it was away, the follower goes on where it was, and prints nothing
// twice.
func TestFollowLiveFilePutBack(t *testing.T) {
	path := writeFile(t, []byte("one\n"))
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true})
	buf := make([]byte, 4096)
	step := func(want string) {
		t.Helper()
		n, err := r.step(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("step: %q, %v; want %q", buf[:n], err, want)
		}
	}
	step("one\n")
	step("")

	backup := backupName(path, time.Now())
	mustRename(t, path, backup)
	step("") // away: read to its end, nothing new
	mustRename(t, backup, path)
	appendFile(t, path, "two\n")
	step("two\n")
	step("")
}
