//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadStartOfNewFileSaysWhatIsWrong: supers start of a name whose
// NAME.service is a symbolic link to a missing file does not say there is
// no such file (ls shows it), but that the link's target is missing; and
// with the config dir gone, it says that, not that one file is missing.
func TestReloadStartOfNewFileSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil).start()
	if err := os.Symlink(filepath.Join(d.dir, "missing-target"), filepath.Join(d.dir, "l.service")); err != nil {
		t.Fatal(err)
	}
	_, errs, code := d.cli("start", "l")
	if code != 4 || strings.Contains(errs, "no file") || !strings.Contains(errs, "symbolic link to a missing file") || !strings.Contains(errs, "l.service") {
		t.Errorf("start l (dangling symlink): exit %d, %q", code, errs)
	}
	// The reload reports the file the same way.
	out, errs, _ := d.cli("reload")
	if !strings.Contains(out+errs, "l.service: cannot read: no such file or directory (a symbolic link to a missing file)") {
		t.Errorf("reload: %q %q", out, errs)
	}

	d.writeFile("o.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	if err := os.Rename(d.dir, d.dir+".away"); err != nil {
		t.Fatal(err)
	}
	_, errs, code = d.cli("start", "o")
	if code == 0 || strings.Contains(errs, "no file") || !strings.Contains(errs, "configuration unavailable") || !strings.Contains(errs, d.dir) {
		t.Errorf("start o (config dir gone): exit %d, %q", code, errs)
	}
}
