package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEnvironmentFileWildcard checks that systemd's wildcards in
// EnvironmentFile= are refused, not read as a literal file name: with the
// "-" prefix, a pattern that matches files would be a missing file,
// ignored, and the service would run without their variables.
func TestEnvironmentFileWildcard(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.env"), []byte("A=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, pattern := range []string{"*.env", "?.env", "[ab].env"} {
		for _, prefix := range []string{"", "-"} {
			value := prefix + filepath.Join(dir, pattern)
			data := "[Service]\nExecStart=/bin/true\nEnvironmentFile=" + value + "\n"
			_, err := Parse("w", "w.service", []byte(data))
			if err == nil {
				t.Errorf("EnvironmentFile=%s: accepted", value)
				continue
			}
			var e *Error
			if !errors.As(err, &e) || e.Line != 3 || e.Key != keyEnvironmentFile || !errors.Is(err, ErrInvalidValue) ||
				!strings.Contains(err.Error(), "wildcards") {
				t.Errorf("EnvironmentFile=%s: got %v", value, err)
			}
		}
	}
	// A file name with none of * ? [ is read as it is.
	s, err := Parse("w", "w.service", []byte("[Service]\nExecStart=/bin/true\nEnvironmentFile="+filepath.Join(dir, "a.env")+"\n"))
	if err != nil || len(s.Environment) != 1 || s.Environment[0] != "A=1" {
		t.Errorf("a plain EnvironmentFile=: %v, %v", s, err)
	}
}
