//go:build unix

package pathsafe

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestDanglingLinkIsNotAMissingDirectory: a symbolic link to a directory
// not created yet, on a path to make, was taken for a missing directory:
// MayCreate judged the directory above it, and MakeDirs's mkdir found the
// link there ("made meanwhile"), then failed to open it ("not a
// directory"). Each now fails with a *DanglingLinkError naming the link
// and its target, made absolute, and makes nothing.
func TestDanglingLinkIsNotAMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	link, target := filepath.Join(dir, "logs"), filepath.Join(dir, "real")
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	want := &DanglingLinkError{Link: link, Target: target}
	for _, path := range []string{link, filepath.Join(link, "a", "b")} {
		d, fi, _, err := Existing(path)
		var dl *DanglingLinkError
		if !errors.As(err, &dl) || *dl != *want || d != link || fi != nil {
			t.Errorf("Existing(%s) = %s, %v, %v; want %s, nil, %v", path, d, fi, err, link, want)
		}
		if err := MakeDirs(path, 0o750); !errors.As(err, &dl) || *dl != *want {
			t.Errorf("MakeDirs(%s) = %v, want %v", path, err, want)
		}
		if err := MayCreate(filepath.Join(path, "f")); !errors.As(err, &dl) || *dl != *want {
			t.Errorf("MayCreate(%s/f) = %v, want %v", path, err, want)
		}
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("the link's target was made")
	}
	if got := want.Error(); got != link+" is a symbolic link to "+target+", which does not exist: create it" {
		t.Errorf("the error says %q", got)
	}
	// Once the target exists, the path is made through the link.
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := MakeDirs(filepath.Join(link, "a"), 0o750); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(target, "a")); err != nil || !fi.IsDir() {
		t.Fatalf("made through the link: %v, %v", fi, err)
	}
}
