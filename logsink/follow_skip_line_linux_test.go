//go:build linux

package logsink

import (
	"io"
	"os"
	"testing"
	"time"
)

// TestFollowSkipEndsTheLineSentInPart checks that a follower that skips
// output removed before it read it (a slow or suspended client, behind by
// more than MaxBackups keeps) ends the line it had sent in part before it
// goes on: it sent "old line 5\nold li" and then, with the rest gone,
// glued the next file's first line to it ("old linew 1"), a line the
// service never wrote.
func TestFollowSkipEndsTheLineSentInPart(t *testing.T) {
	t.Run("rest of the file being read", func(t *testing.T) {
		path := writeFile(t, nil)
		appendFile(t, path, "old line 1\nold line 2\n")
		r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true})
		got := make([]byte, 17)
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatal(err)
		}
		if string(got) != "old line 1\nold li" {
			t.Fatalf("read %q", got)
		}
		rotateAndRemove(t, path, "new 1\n")
		c := collect(t, r)
		c.expect(t, []byte("\nnew 1\n"))
	})
	t.Run("nothing sent yet", func(t *testing.T) {
		// A follower that starts at the end (-n 0) has sent no line to
		// end: what it skipped leaves no newline of its own.
		path := writeFile(t, nil)
		appendFile(t, path, "old line 1\n")
		r := openTail(t, t.Context(), path, TailOptions{Lines: 0, Follow: true})
		appendFile(t, path, "old li")
		rotateAndRemove(t, path, "new 1\n")
		c := collect(t, r)
		c.expect(t, []byte("new 1\n"))
	})
	t.Run("rotated files removed before they were read", func(t *testing.T) {
		path := writeFile(t, nil)
		appendFile(t, path, "first\nlong line, part one")
		r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true})
		want := "first\nlong line, part one"
		got := make([]byte, len(want))
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatal(err)
		}
		stamp := time.Now().UTC()
		rotateTo(t, path, stamp)
		appendFile(t, path, ", part two\nsecond\n")
		second := rotateTo(t, path, stamp.Add(time.Second))
		// It sees the second one come (it cannot tell once it is gone).
		waitFor(t, "the follower to see the second rotation", func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			_, ok := r.ahead[stamp.Add(time.Second).Format(backupTimeFormat)]
			return ok
		})
		appendFile(t, path, "third\n")
		if err := os.Remove(second); err != nil {
			t.Fatal(err)
		}
		c := collect(t, r)
		c.expect(t, []byte("\nthird\n"))
	})
}

// rotateAndRemove rotates the log at path, writes next to the new live
// file, removes the rotated one before a follower could read it, and waits
// until the follower has let it go.
func rotateAndRemove(t *testing.T, path, next string) {
	t.Helper()
	rotated := rotateTo(t, path, time.Now().UTC())
	appendFile(t, path, next)
	if err := os.Remove(rotated); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the follower to close the removed file", func() bool { return !holdsRemoved(t, rotated) })
}
