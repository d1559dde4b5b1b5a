//go:build unix

package logsink

import (
	"os"
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
	step := stepper(t, r)
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

// A live file removed, and a new one created under its path, is a new
// file, read from its start, even if it has the inode number of the one
// removed (file systems give a freed one at once, with the same creation
// time to the jiffy): the follower keeps the file it left open until it
// opens the next, or sees it removed, so that its number is not free.
func TestFollowNewFileOfAReusedInode(t *testing.T) {
	old := "old line one\nold line two\n"
	path := writeFile(t, []byte(old))
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true})
	step := stepper(t, r)
	step(old)
	step("")

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	step("") // gone: read to its end, and closed
	const fresh = "a new file, longer than the old one was\n"
	if err := os.WriteFile(path, []byte(fresh), 0o600); err != nil {
		t.Fatal(err)
	}
	if now, err := os.Stat(path); err != nil || !os.SameFile(before, now) {
		t.Skip("the file system gave the new file another inode")
	}
	step(fresh)
}

// stepper returns a function that makes r take one step (see
// TailReader.step) and fails t unless it reads want.
func stepper(t *testing.T, r *TailReader) func(want string) {
	buf := make([]byte, 4096)
	return func(want string) {
		t.Helper()
		n, err := r.step(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("step: %q, %v; want %q", buf[:n], err, want)
		}
	}
}
