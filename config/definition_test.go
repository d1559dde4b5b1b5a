package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestDefinitionRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadDefinition(dir, "web"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("read a missing definition: %v, want ErrNotExist", err)
	}
	v1 := []byte("[Service]\nExecStart=/bin/sleep 1\n")
	d, err := WriteDefinition(dir, "web", v1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != filepath.Join(dir, "web.service") || d.Hash != ContentHash(v1) {
		t.Fatalf("written %+v", d)
	}
	fi, err := os.Stat(d.Path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != DefinitionMode {
		t.Fatalf("mode %v, want %v", fi.Mode().Perm(), DefinitionMode)
	}
	got, err := ReadDefinition(dir, "web")
	if err != nil || !bytes.Equal(got.Data, v1) || got.Hash != d.Hash {
		t.Fatalf("read back %+v, %v", got, err)
	}

	// A rewrite replaces the file and changes the hash, even for a comment.
	v2 := append([]byte("# v2\n"), v1...)
	d2, err := WriteDefinition(dir, "web", v2)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Hash == d.Hash {
		t.Fatal("hash unchanged by a new comment")
	}
	if got, _ := os.ReadFile(d.Path); !bytes.Equal(got, v2) {
		t.Fatalf("file holds %q", got)
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("dir holds %d entries, want only web.service", len(entries))
	}
}

func TestDefinitionNamesStayInDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"../evil", "a/b", "", ".hidden", "..", "x\x00y", strings.Repeat("a", 65)} {
		if _, err := WriteDefinition(dir, name, []byte("x")); !errors.Is(err, ErrInvalidName) {
			t.Errorf("write %q: %v, want ErrInvalidName", name, err)
		}
		if _, err := ReadDefinition(dir, name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("read %q: %v, want ErrInvalidName", name, err)
		}
		if _, err := RemoveDefinition(dir, name, time.Now()); !errors.Is(err, ErrInvalidName) {
			t.Errorf("remove %q: %v, want ErrInvalidName", name, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Fatalf("something was written beside the config dir: %d entries", len(entries))
	}
}

func TestDefinitionTooLarge(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteDefinition(dir, "big", make([]byte, MaxFileSize+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err %v, want ErrTooLarge", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "big.service")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("an oversized definition reached the disk")
	}
}

func TestRemoveDefinitionToTrash(t *testing.T) {
	dir := t.TempDir()
	data := []byte("[Service]\nExecStart=/bin/true\n")
	if _, err := WriteDefinition(dir, "job", data); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 1, 2, 3, 4, time.UTC)
	p1, err := RemoveDefinition(dir, "job", now)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(p1) != filepath.Join(dir, TrashDir) || !strings.HasPrefix(filepath.Base(p1), "job.service.20261126T010203") {
		t.Fatalf("trashed to %s", p1)
	}
	if got, _ := os.ReadFile(p1); !bytes.Equal(got, data) {
		t.Fatalf("trashed file holds %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "job.service")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("file still in place")
	}
	// The loader does not see the trash.
	if specs, errs := LoadDir(dir); len(specs) != 0 || len(errs) != 0 {
		t.Fatalf("LoadDir after removal: %d services, errors %v", len(specs), errs)
	}
	// A second deletion at the same instant keeps both copies.
	if _, err := WriteDefinition(dir, "job", data); err != nil {
		t.Fatal(err)
	}
	p2, err := RemoveDefinition(dir, "job", now)
	if err != nil || p2 == p1 {
		t.Fatalf("second removal: %s, %v (first %s)", p2, err, p1)
	}
	if _, err := RemoveDefinition(dir, "job", now); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("removing a missing file: %v, want ErrNotExist", err)
	}
	// Undo is a rename back.
	if err := os.Rename(p1, filepath.Join(dir, "job.service")); err != nil {
		t.Fatal(err)
	}
	if specs, errs := LoadDir(dir); len(specs) != 1 || len(errs) != 0 {
		t.Fatalf("after restoring: %d services, errors %v", len(specs), errs)
	}
}

func TestWriteDefinitionRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "shared.service")
	orig := []byte("[Service]\nExecStart=/bin/true\n")
	if err := os.WriteFile(target, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "web.service")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDefinition(dir, "web", []byte("[Service]\nExecStart=/bin/false\n")); !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), target) {
		t.Fatalf("write over a symlink: %v, want ErrSymlink naming %s", err, target)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if got, _ := os.ReadFile(target); !bytes.Equal(got, orig) {
		t.Errorf("the target changed: %q", got)
	}
}

func TestReadDefinitionNotRegular(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "web.service"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDefinition(dir, "web"); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("read a directory: %v, want ErrNotRegular", err)
	}
}

// A service file over the size limit, written by hand, reads as
// ErrTooLarge, naming its size, so that the API can say what is wrong.
func TestReadDefinitionTooLarge(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.service"), make([]byte, MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadDefinition(dir, "big")
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1048577 bytes") {
		t.Fatalf("read an oversized definition: %v, want ErrTooLarge naming its size", err)
	}
}

// PruneTrash keeps the TrashKeep latest removals of each name, so that
// writes and removals made over and over (by a socket user, say, of its
// own definitions) cannot fill the config dir's file system. Those of
// other names, and files the trash did not make, are left alone.
func TestRemoveDefinitionTrashBounded(t *testing.T) {
	dir := t.TempDir()
	data := []byte("[Service]\nExecStart=/bin/true\n")
	trash := filepath.Join(dir, TrashDir)
	if err := os.Mkdir(trash, 0o750); err != nil {
		t.Fatal(err)
	}
	// Another service whose name starts as the file names of job's do,
	// and a file of the operator's.
	for _, f := range []string{"job.service.service.20200101T000000.000000000Z", "job.service.bak"} {
		if err := os.WriteFile(filepath.Join(trash, f), data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	var paths []string
	for i := range TrashKeep + 5 {
		if _, err := WriteDefinition(dir, "job", data); err != nil {
			t.Fatal(err)
		}
		now := start.Add(time.Duration(i) * time.Second)
		if i == TrashKeep+4 {
			now = start.Add(time.Duration(i-1) * time.Second) // the same instant as the one before
		}
		p, err := RemoveDefinition(dir, "job", now)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if err := PruneTrash(dir, "job"); err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		_, err := os.Stat(p)
		if kept := i >= len(paths)-TrashKeep; kept != (err == nil) {
			t.Errorf("removal %d (%s): kept %v, stat %v", i, filepath.Base(p), kept, err)
		}
	}
	for _, f := range []string{"job.service.service.20200101T000000.000000000Z", "job.service.bak"} {
		if _, err := os.Stat(filepath.Join(trash, f)); err != nil {
			t.Errorf("%s was removed: %v", f, err)
		}
	}
}
