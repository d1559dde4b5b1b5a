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

// TestDanglingLinkNamesWhatToCreate: the DanglingLinkError of a link
// reached through another symlink joined its relative target to the path
// it was named by, so that a ".." went up from the wrong directory: the
// operator was told to create a directory that, once made, changed
// nothing. And for a chain l1 -> l2 -> missing, it said to create l2,
// which exists (a link). It now names the target as the kernel resolves
// it, and at the end of a chain, the last link and its missing target.
func TestDanglingLinkNamesWhatToCreate(t *testing.T) {
	t.Run("missing name before ..", func(t *testing.T) {
		// l -> nothere/../real with real there: the kernel fails at
		// nothere, which a lexical clean of the target dropped (the
		// error said to create real, which exists).
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "l")
		if err := os.Symlink("nothere/../real", link); err != nil {
			t.Fatal(err)
		}
		namesWhatToCreate(t, filepath.Join(link, "a"), &DanglingLinkError{Link: link, Target: filepath.Join(dir, "nothere")})
	})
	// A target written with a trailing slash (ln -s ../real/ logs) was
	// joined lexically, taking its ".." from the path the link was named
	// by, as was one without.
	for _, target := range []string{"../real", "../real/"} {
		t.Run("through a link to "+target, func(t *testing.T) {
			dir := t.TempDir()
			deep := filepath.Join(dir, "deep", "dir")
			if err := os.MkdirAll(deep, 0o755); err != nil {
				t.Fatal(err)
			}
			via := filepath.Join(dir, "via")
			if err := os.Symlink(deep, via); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, filepath.Join(deep, "logs")); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(via, "logs")
			namesWhatToCreate(t, filepath.Join(link, "a"), &DanglingLinkError{Link: link, Target: filepath.Join(dir, "deep", "real")})
		})
	}
	t.Run("chain", func(t *testing.T) {
		dir := t.TempDir()
		l1, l2, missing := filepath.Join(dir, "l1"), filepath.Join(dir, "l2"), filepath.Join(dir, "missing")
		if err := os.Symlink("l2", l1); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(missing, l2); err != nil {
			t.Fatal(err)
		}
		want := &DanglingLinkError{Link: l1, Target: missing, Via: l2}
		if got, w := want.Error(), l1+" is a symbolic link, through the symbolic link "+l2+", to "+missing+", which does not exist: create it"; got != w {
			t.Errorf("the error says %q, want %q", got, w)
		}
		var dl *DanglingLinkError
		if err := MakeDirs(filepath.Join(l1, "a"), 0o750); !errors.As(err, &dl) || *dl != *want {
			t.Errorf("MakeDirs = %v, want %v", err, want)
		}
		namesWhatToCreate(t, filepath.Join(l1, "a"), want)
	})
	// A link on the target's path that leads nowhere (l -> sub/logs, sub
	// a dangling link): the error named .../sub/logs, which cannot be
	// made (sub exists); it names where sub leads, with logs under it.
	t.Run("dangling link inside the target", func(t *testing.T) {
		dir := t.TempDir()
		missing := filepath.Join(dir, "missing")
		if err := os.Symlink(missing, filepath.Join(dir, "sub")); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "l")
		if err := os.Symlink("sub/logs", link); err != nil {
			t.Fatal(err)
		}
		namesWhatToCreate(t, filepath.Join(link, "a"), &DanglingLinkError{Link: link, Target: filepath.Join(missing, "logs")})
	})
}

// namesWhatToCreate checks that Existing(path) fails with want, and that
// once want.Target is made (with its parents: a mkdir -p of what the
// error names), it no longer fails: what the error names is what the path
// needed.
func namesWhatToCreate(t *testing.T, path string, want *DanglingLinkError) {
	t.Helper()
	var dl *DanglingLinkError
	if _, _, _, err := Existing(path); !errors.As(err, &dl) || *dl != *want {
		t.Fatalf("Existing = %v, want %v", err, want)
	}
	if err := os.MkdirAll(want.Target, 0o755); err != nil {
		t.Fatalf("creating what the error names: %v", err)
	}
	if _, _, _, err := Existing(path); err != nil {
		t.Errorf("Existing once %s is made: %v", want.Target, err)
	}
}
