package config

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TrashDir is the subdirectory of the configuration directory where
// RemoveDefinition moves deleted service files. LoadDir never reads it (it
// reads no subdirectory).
const TrashDir = ".trash"

// TrashKeep is how many removed files of each service name the trash
// keeps, and TrashMax how many it keeps in all, whatever their names:
// PruneTrash deletes older ones. Without TrashMax, services of names used
// once each (jobs applied and removed) would fill the trash without bound,
// and each removal would read a larger directory.
const (
	TrashKeep = 32
	TrashMax  = 256
)

// trashStamp is the layout of the time in the names of trashed files.
const trashStamp = "20060102T150405.000000000Z"

// DefinitionMode is the permission of the service files WriteDefinition
// creates.
const DefinitionMode fs.FileMode = 0o640

// ErrTooLarge is returned (wrapped) for a definition over the size limit of
// service files (1 MiB).
var ErrTooLarge = errors.New("service file too large")

// ErrNotRegular is returned (wrapped) for a service file, or a file it
// names, that is not a regular file (a directory, a FIFO, a device).
var ErrNotRegular = errors.New("not a regular file")

// ErrSymlink is returned (wrapped) by WriteDefinition when the service file
// is a symbolic link: replacing the link with a file would leave its target
// unchanged, and later changes of the target would be silently ignored.
var ErrSymlink = errors.New("the service file is a symbolic link")

// Definition is the text of a service file as it is on disk, with the hash
// of its bytes.
type Definition struct {
	// Name is the service name.
	Name string
	// Path is the file's path: <dir>/<Name>.service.
	Path string
	// Data is the file's content, byte for byte.
	Data []byte
	// Hash is [ContentHash] of Data: the file's version, for optimistic
	// concurrency (an HTTP ETag).
	Hash string
}

// ContentHash returns the hex SHA-256 of data. Unlike Service.Hash, it
// changes with any byte of the file, comments and spacing included: it
// names a version of the file, not of the configuration.
func ContentHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// DefinitionPath returns <dir>/<name>.service after checking that name is a
// valid service name, so that the path cannot leave dir. The error wraps
// ErrInvalidName.
func DefinitionPath(dir, name string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	return filepath.Join(dir, name+FileSuffix), nil
}

// ReadDefinition reads the service file of name in dir, under the rules
// ParseFile loads it by: a file, or a directory or link on the way to it,
// that a user other than root and this process's own could have written
// gives an error wrapping ErrUntrusted, before the file is opened (its
// text may be anything that user chose to link there). A missing file
// gives an error wrapping fs.ErrNotExist, one over 1 MiB an error wrapping
// ErrTooLarge; a path that is not a regular file (a directory, a symlink
// to one) is an error too.
func ReadDefinition(dir, name string) (*Definition, error) {
	path, err := DefinitionPath(dir, name)
	if err != nil {
		return nil, err
	}
	data, err := readTrusted(path)
	if err != nil {
		if fi, serr := os.Stat(path); serr == nil && fi.Mode().IsRegular() && fi.Size() > MaxFileSize {
			err = fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, fi.Size(), MaxFileSize)
		}
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &Definition{Name: name, Path: path, Data: data, Hash: ContentHash(data)}, nil
}

// CheckNotSymlink returns an error wrapping ErrSymlink, naming its target,
// if the file at path is a symbolic link, which WriteDefinition does not
// replace.
func CheckNotSymlink(path string) error {
	if target, err := os.Readlink(path); err == nil {
		return fmt.Errorf("%w: %s points to %s; change the target instead", ErrSymlink, path, target)
	}
	return nil
}

// WriteDefinition replaces the service file of name in dir with data,
// atomically: data goes to a temporary file in dir, which is synced, given
// mode DefinitionMode and renamed over the file; then dir is synced. A
// reader (or a crash) sees the old file or the new one, never a part. It
// does not validate data (see Parse); it refuses data over 1 MiB, and a
// path that is a symbolic link (ErrSymlink).
func WriteDefinition(dir, name string, data []byte) (*Definition, error) {
	path, err := DefinitionPath(dir, name)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, len(data), MaxFileSize)
	}
	if err := CheckNotSymlink(path); err != nil {
		return nil, err
	}
	if err := writeAtomic(dir, path, data); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return &Definition{Name: name, Path: path, Data: data, Hash: ContentHash(data)}, nil
}

// writeAtomic writes data to path through a synced temporary file in dir.
func writeAtomic(dir, path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(DefinitionMode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		// Too late to undo: readers see the new file already.
		return fmt.Errorf("the file was replaced, but it may not survive a crash: %w", err)
	}
	return nil
}

// RemoveDefinition moves the service file of name in dir into
// <dir>/.trash/, as <name>.service.<UTC time of now>, creating the trash
// directory (mode 0750) if needed, and returns the new path. Moving back is
// all it takes to undo it. PruneTrash deletes the older removals. A missing file gives an error wrapping
// fs.ErrNotExist.
func RemoveDefinition(dir, name string, now time.Time) (string, error) {
	path, err := DefinitionPath(dir, name)
	if err != nil {
		return "", err
	}
	if _, err := os.Lstat(path); err != nil {
		return "", fmt.Errorf("removing %s: %w", path, err)
	}
	trash := filepath.Join(dir, TrashDir)
	if err := os.Mkdir(trash, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("removing %s: %w", path, err)
	}
	stamp := now.UTC().Format(trashStamp)
	dst := filepath.Join(trash, name+FileSuffix+"."+stamp)
	for i := 1; ; i++ {
		// Never overwrite an earlier deletion of the same instant.
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		}
		dst = filepath.Join(trash, fmt.Sprintf("%s%s.%s.%d", name, FileSuffix, stamp, i))
	}
	if err := os.Rename(path, dst); err != nil {
		return "", fmt.Errorf("removing %s: %w", path, err)
	}
	// Both directories changed: the file must not be lost from both by a
	// crash.
	for _, d := range []string{trash, dir} {
		if err := syncDir(d); err != nil {
			return "", fmt.Errorf("removing %s: it was moved to %s, but the move may not survive a crash: %w", path, dst, err)
		}
	}
	return dst, nil
}

// PruneTrash deletes the files RemoveDefinition moved into <dir>/.trash/
// for name but the TrashKeep latest, then, of those of every name, all but
// the TrashMax latest, so that definitions written and removed over and
// over, under one name or under new names each time, cannot fill the file
// system. Other files (the operator's) are left alone, and not counted.
func PruneTrash(dir, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	trash := filepath.Join(dir, TrashDir)
	entries, err := os.ReadDir(trash)
	if err != nil {
		return fmt.Errorf("pruning the trash: %w", err)
	}
	var all []removal
	mine := 0
	for _, e := range entries {
		r, ok := parseRemoval(e.Name())
		if !ok {
			continue
		}
		if r.name == name {
			mine++
		}
		all = append(all, r)
	}
	// Oldest first.
	slices.SortFunc(all, func(a, b removal) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.n, b.n))
	})
	var doomed []string
	kept := all[:0]
	for _, r := range all {
		if r.name == name && mine > TrashKeep {
			doomed = append(doomed, r.file)
			mine--
			continue
		}
		kept = append(kept, r)
	}
	if len(kept) > TrashMax {
		for _, r := range kept[:len(kept)-TrashMax] {
			doomed = append(doomed, r.file)
		}
	}
	var errs []error
	for _, file := range doomed {
		if err := os.Remove(filepath.Join(trash, file)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pruning the trash: %w", err)
	}
	return nil
}

// removal is a file RemoveDefinition moved into the trash.
type removal struct {
	file string    // its name in the trash
	name string    // the service's
	at   time.Time // when it was removed
	n    int       // the suffix of a removal at the same instant as another
}

// parseRemoval parses the name of a file RemoveDefinition made:
// <name>.service.<stamp>, or <name>.service.<stamp>.<n> for a removal at
// the same instant as another. ok is false for any other file.
func parseRemoval(file string) (r removal, ok bool) {
	// The stamp holds no FileSuffix: the last one ends the service's name
	// (which may hold one).
	i := strings.LastIndex(file, FileSuffix+".")
	if i < 0 {
		return removal{}, false
	}
	name, rest := file[:i], file[i+len(FileSuffix)+1:]
	if len(rest) < len(trashStamp) || ValidateName(name) != nil {
		return removal{}, false
	}
	at, err := time.Parse(trashStamp, rest[:len(trashStamp)])
	if err != nil {
		return removal{}, false
	}
	n := 0
	if suffix := rest[len(trashStamp):]; suffix != "" {
		digits, ok := strings.CutPrefix(suffix, ".")
		if n, err = strconv.Atoi(digits); !ok || err != nil || n < 1 || strconv.Itoa(n) != digits {
			return removal{}, false
		}
	}
	return removal{file: file, name: name, at: at, n: n}, true
}

// InvalidUTF8Line returns the 1-based line of the first byte of data that
// is not valid UTF-8, if any. superd loads such a service file from its
// config dir, but its API refuses to write one, or to show one, since
// JSON cannot carry it unaltered.
func InvalidUTF8Line(data []byte) (int, bool) {
	if utf8.Valid(data) {
		return 0, false
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if !utf8.Valid(line) {
			return i + 1, true
		}
	}
	return 0, false // not reached: a newline never splits a valid sequence
}
