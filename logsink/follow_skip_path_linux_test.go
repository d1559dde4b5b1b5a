package logsink

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// A follower that stalls while it reads a rotated file, which retention
// then removes, names that file in its warning about what it skipped, not
// the live file, which nobody removed: compressed or not.
func TestStalledFollowerNamesTheRemovedFile(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "compressed"}[compressed], func(t *testing.T) {
			old := strings.Repeat("old line\n", 1000)
			path := writeFile(t, nil)
			appendFile(t, path, old)
			removed := rotateTo(t, path, time.Now().UTC().Add(-time.Minute))
			if compressed {
				gzipFile(t, removed)
				if err := os.Remove(removed); err != nil {
					t.Fatal(err)
				}
				removed += compressSuffix
			}
			var logs lockedBuffer
			r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if _, err := io.ReadFull(r, make([]byte, 100)); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(removed); err != nil { // MaxBackups, while the follower does not read
				t.Fatal(err)
			}
			waitFor(t, "the follower to close the removed file", func() bool { return !holdsRemoved(t, removed) })
			appendFile(t, path, "new\n")

			c := collect(t, r)
			c.expect(t, []byte("\nnew\n"))
			got := logs.String()
			if !strings.Contains(got, "skipped the rest") {
				t.Fatalf("logged %q, want the warning about the skipped rest", got)
			}
			if want := "path=" + removed + " "; !strings.Contains(got, want) {
				t.Errorf("logged %q, want it to name the removed file (%s)", got, want)
			}
		})
	}
}
