//go:build unix

package logsink

import (
	"os"
	"path/filepath"
	"testing"
)

// A log directory reached through a symlink (the log dir, or a service's
// directory, linked to another disk) is checked where it really is: an
// ancestor of the link's target that others may write in lets them swap
// the directory, exactly as an ancestor of the link itself would.
func TestOpenRefusesLinkedDirUnderDirOthersCanWrite(t *testing.T) {
	tmp := t.TempDir()
	open := filepath.Join(tmp, "open")
	mkdirMode(t, open, 0o777) // not sticky: anyone may rename what is in it
	mkdirMode(t, filepath.Join(open, "logs"), 0o750)
	safe := filepath.Join(tmp, "safe")
	mkdirMode(t, safe, 0o750)
	link := filepath.Join(safe, "logs")
	if err := os.Symlink(filepath.Join(open, "logs"), link); err != nil {
		t.Fatal(err)
	}
	assertOpenRefused(t, filepath.Join(link, "svc"))
}
