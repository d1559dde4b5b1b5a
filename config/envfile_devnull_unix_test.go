//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// An EnvironmentFile= that is /dev/null, or a link to it (the usual way to
// mask a defaults file: ln -sf /dev/null /etc/default/app), reads as an
// empty file, with or without "-", as systemd reads it; a FIFO or another
// device is still refused, and so is a link to /dev/null that another
// user could replace. A service file that is the null device is still
// not a regular file.
func TestEnvironmentFileDevNull(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "app.defaults")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(dir, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	sharedLink := filepath.Join(shared, "app.defaults")
	if err := os.Symlink(os.DevNull, sharedLink); err != nil {
		t.Fatal(err)
	}
	parse := func(envFile string) (*Service, error) {
		t.Helper()
		path := filepath.Join(dir, "app.service")
		body := "[Service]\nExecStart=/bin/true\nEnvironmentFile=" + envFile + "\nEnvironment=A=1\n"
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return ParseFile(path)
	}
	for _, envFile := range []string{os.DevNull, "-" + os.DevNull, link, "-" + link} {
		s, err := parse(envFile)
		if err != nil {
			t.Errorf("EnvironmentFile=%s: %v, want it read as empty", envFile, err)
			continue
		}
		if !slices.Equal(s.Environment, []string{"A=1"}) || !slices.Equal(s.EnvironmentFiles, []string{envFile}) {
			t.Errorf("EnvironmentFile=%s: environment %q, files %q", envFile, s.Environment, s.EnvironmentFiles)
		}
	}
	for _, envFile := range []string{fifo, "-" + fifo, "/dev/zero"} {
		if _, err := parse(envFile); !errors.Is(err, ErrNotRegular) {
			t.Errorf("EnvironmentFile=%s: %v, want ErrNotRegular", envFile, err)
		}
	}
	if _, err := parse(sharedLink); !errors.Is(err, ErrUntrusted) {
		t.Errorf("EnvironmentFile=%s (a link in a directory every user may write): %v, want ErrUntrusted", sharedLink, err)
	}
	masked := filepath.Join(dir, "masked.service")
	if err := os.Symlink(os.DevNull, masked); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(masked); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a service file linked to /dev/null: %v, want ErrNotRegular", err)
	}
}
