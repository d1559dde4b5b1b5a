package logsink

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// logrotate's copytruncate copies the live file and truncates it while the
// service keeps writing. The Sink must count the file's size from the
// truncation on, not rotate the nearly empty file early as if the bytes
// copied away were still in it.
func TestRotationAfterCopyTruncate(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		const maxSize = 1 << 20
		s := openSink(t, Options{MaxSize: maxSize, Poller: p})
		stdout, _ := pipes(t, s)
		part := bytes.Repeat([]byte("0123456789abcdef\n"), 600<<10/17)
		mustWrite(t, stdout, part)
		waitWritten(t, s, Stdout, uint64(len(part)))
		if err := os.Truncate(s.Path(Stdout), 0); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, stdout, part)
		waitWritten(t, s, Stdout, uint64(2*len(part)))
		if got := backups(t, filepath.Dir(s.Path(Stdout)), Stdout); len(got) != 0 {
			t.Errorf("stdout.log rotated after %d bytes since it was truncated, below MaxSize (%d): %v", len(part), maxSize, got)
		}
		if b, err := os.ReadFile(s.Path(Stdout)); err != nil || !bytes.Equal(b, part) {
			t.Errorf("stdout.log holds %d bytes (%v), want the %d written since the truncation", len(b), err, len(part))
		}
	})
}
