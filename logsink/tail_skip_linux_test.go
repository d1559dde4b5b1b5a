package logsink

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for concurrent use, for a logger.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A follower that stalls while it reads a compressed rotated file, which
// retention then removes, says how many bytes of it it skipped: the
// uncompressed bytes it had not read yet, not an unknown -1.
func TestStalledFollowerCountsSkippedCompressedBytes(t *testing.T) {
	old := strings.Repeat("old line\n", 1000)
	const read = 100 // what the follower reads before it stalls
	path := writeFile(t, nil)
	appendFile(t, path, old)
	rotated := rotateTo(t, path, time.Now().UTC().Add(-time.Minute))
	gzipFile(t, rotated)
	if err := os.Remove(rotated); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if _, err := io.ReadFull(r, make([]byte, read)); err != nil {
		t.Fatal(err)
	}
	// Removed (MaxBackups) while the follower does not read.
	if err := os.Remove(rotated + compressSuffix); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the follower to close the removed file", func() bool { return !holdsRemoved(t, rotated+compressSuffix) })
	appendFile(t, path, "new\n")

	c := collect(t, r)
	c.expect(t, []byte("\nnew\n")) // the line read in part ("o") ended
	got := logs.String()
	if want := "skipped_bytes=" + strconv.Itoa(len(old)-read); !strings.Contains(got, want) {
		t.Errorf("logged %q, want it to contain %s", got, want)
	}
}

// A follower behind by several rotated files, of which retention removes
// some before it gets to them, says how many files it skipped and how many
// bytes they held (uncompressed), compressed or not.
func TestFollowerCountsSkippedRotatedFiles(t *testing.T) {
	first := strings.Repeat("first\n", 1000)
	second := strings.Repeat("second\n", 700)
	third := strings.Repeat("third\n", 500)
	path := writeFile(t, nil)
	stamp := time.Now().UTC().Add(-time.Minute)
	var rotated []string
	for i, content := range []string{first, second, third} {
		appendFile(t, path, content)
		rotated = append(rotated, rotateTo(t, path, stamp.Add(time.Duration(i)*time.Second)))
	}
	gzipFile(t, rotated[2])
	if err := os.Remove(rotated[2]); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	const read = 100
	if _, err := io.ReadFull(r, make([]byte, read)); err != nil {
		t.Fatal(err)
	}
	// Removed (MaxBackups) before the follower gets to them.
	for _, name := range []string{rotated[1], rotated[2] + compressSuffix} {
		if err := os.Remove(name); err != nil {
			t.Fatal(err)
		}
	}
	appendFile(t, path, "new\n")

	c := collect(t, r)
	c.expect(t, []byte(first[read:]+"new\n"))
	got := logs.String()
	if want := "skipped_files=2 skipped_bytes=" + strconv.Itoa(len(second)+len(third)); !strings.Contains(got, want) {
		t.Errorf("logged %q, want it to contain %s", got, want)
	}
}

// A follower that stops reading while retention removes the file it reads
// and whole rotated files after it says how many bytes it skipped in all:
// the rest of its file and the rotated files it never saw listed.
func TestStalledFollowerCountsSkippedRotatedFiles(t *testing.T) {
	first := strings.Repeat("first\n", 1000)
	second := strings.Repeat("second\n", 700)
	const read = 100
	path := writeFile(t, nil)
	appendFile(t, path, first)
	var logs lockedBuffer
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1, Follow: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if _, err := io.ReadFull(r, make([]byte, read)); err != nil {
		t.Fatal(err)
	}
	// Rotated twice while the follower does not read.
	stamp := time.Now().UTC()
	rotated := []string{rotateTo(t, path, stamp)}
	appendFile(t, path, second)
	rotated = append(rotated, rotateTo(t, path, stamp.Add(time.Second)))
	// It sees the second one come (it cannot tell once it is gone).
	waitFor(t, "the follower to see the second rotation", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		_, ok := r.ahead[stamp.Add(time.Second).Format(backupTimeFormat)]
		return ok
	})
	// Both removed (MaxBackups), the newer first.
	for i := len(rotated) - 1; i >= 0; i-- {
		if err := os.Remove(rotated[i]); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the follower to close the removed file", func() bool { return !holdsRemoved(t, rotated[0]) })
	appendFile(t, path, "new\n")

	c := collect(t, r)
	c.expect(t, []byte("\nnew\n")) // the line read in part ("firs") ended
	got := logs.String()
	for _, want := range []string{
		"skipped_bytes=" + strconv.Itoa(len(first)-read),
		"skipped_files=1 skipped_bytes=" + strconv.Itoa(len(second)),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("logged %q, want it to contain %s", got, want)
		}
	}
}
