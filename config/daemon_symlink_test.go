package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadDaemonDanglingSymlink checks that a superd.conf that is a
// symbolic link to a missing file (a config management tool swapping its
// target) is an error, not a missing superd.conf: taken for none, it made
// superd start, or a reload go on, silently without the webhooks.
func TestLoadDaemonDanglingSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "superd.conf")
	if err := os.Symlink(target, filepath.Join(dir, DaemonFile)); err != nil {
		t.Fatal(err)
	}
	d, err := LoadDaemon(dir)
	if err == nil {
		t.Fatalf("LoadDaemon = %+v, want an error", d)
	}
	var e *Error
	if !errors.As(err, &e) || e.File != filepath.Join(dir, DaemonFile) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want an *Error naming the file and wrapping fs.ErrNotExist", err)
	}

	// The file itself missing is still no error.
	if err := os.Remove(filepath.Join(dir, DaemonFile)); err != nil {
		t.Fatal(err)
	}
	if d, err := LoadDaemon(dir); err != nil || d.File != "" {
		t.Errorf("without superd.conf: %+v, %v", d, err)
	}
}
