package logsink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/supers-dev/supers/config/pathsafe"
)

// backupTimeFormat is lumberjack's: its retention and compression only
// recognise backups named with it.
const backupTimeFormat = "2006-01-02T15-04-05.000"

// ensureDir creates dir, and those of its ancestors that do not exist, with
// mode dirPerm if it does not exist. An existing directory (or symlink to
// one) is left as it is, but it is refused if a user other than root and
// this process's could replace what is in it (see checkDirTree). What
// exists of the path is checked before anything is made: a directory on
// it that another user owns could lead the mkdir anywhere (a symlink of
// theirs to /etc), or swap what it made for a link before its chmod.
func ensureDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("log directory %s: not a directory", dir)
		}
		return checkDirTree(dir)
	}
	// What exists of its path: the log dir holding it under the rule of a
	// log dir (not writable by another group either), or, missing too,
	// the directories on the way to it.
	check := dir
	if fi, err := os.Stat(filepath.Dir(dir)); err == nil && fi.IsDir() {
		check = filepath.Dir(dir)
	}
	if err := CheckLogDir(check); err != nil {
		return err
	}
	if err := pathsafe.MakeDirs(dir, dirPerm); err != nil {
		return fmt.Errorf("create log directory: %w", err)
	}
	return checkDirTree(dir)
}

// ensureFile makes sure that path is a regular file and returns its FileInfo
// (from Lstat). A missing file is created with mode filePerm. A symlink or
// other non-regular file is removed (never followed) and replaced; that is
// reported in unsafe, which may be set even when err is not nil: then the
// removal failed, and unsafe does not claim it was done.
func ensureFile(path string) (fi os.FileInfo, unsafe, err error) {
	fi, err = os.Lstat(path)
	switch {
	case err == nil && fi.Mode().IsRegular():
		return fi, nil, nil
	case err == nil:
		if err := os.Remove(path); err != nil {
			// A directory that is not empty, say: left as it is.
			unsafe = fmt.Errorf("%w: %s is a %s; cannot remove it", ErrUnsafeFile, path, describe(fi.Mode()))
			return nil, unsafe, fmt.Errorf("remove unsafe log path: %w", err)
		}
		unsafe = fmt.Errorf("%w: %s is a %s; removed it", ErrUnsafeFile, path, describe(fi.Mode()))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	fi, err = createFile(path)
	return fi, unsafe, err
}

// createFile creates path as a new, empty regular file with mode filePerm. It
// fails if anything, even a dangling symlink, exists at path.
func createFile(path string) (os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, filePerm)
	if err != nil {
		return nil, fmt.Errorf("create log file: %w", err)
	}
	err = f.Chmod(filePerm) // OpenFile is subject to the umask
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("create log file: %w", err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("create log file: %w", err)
	}
	return fi, nil
}

// truncateFile truncates the regular file at path to size to, if it is
// still the file live describes and holds size bytes; it reports whether
// it did. A file that is no longer there, or is another, is left alone
// without an error.
func truncateFile(path string, live os.FileInfo, size, to int64) (bool, error) {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() || !os.SameFile(fi, live) {
		return false, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|oNoFollow, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !os.SameFile(fi, live) || fi.Size() != size {
		return false, err
	}
	if err := f.Truncate(to); err != nil {
		return false, err
	}
	return true, nil
}

// endsMidLine reports whether the regular file at path, if it is still the
// file live describes and holds size bytes, ends with a byte other than a
// newline; false if it cannot tell.
func endsMidLine(path string, live os.FileInfo, size int64) bool {
	if size <= 0 {
		return false
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow|oNonBlock, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || !os.SameFile(fi, live) || fi.Size() != size {
		return false
	}
	var last [1]byte
	if n, _ := f.ReadAt(last[:], size-1); n != 1 {
		return false
	}
	return last[0] != '\n'
}

// describe names the type of a non-regular file for error messages.
func describe(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "symlink"
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	default:
		return "non-regular file"
	}
}

// backupName returns lumberjack's name for a backup of path rotated at t:
// dir/stdout.log becomes dir/stdout-2006-01-02T15-04-05.000.log (UTC).
func backupName(path string, t time.Time) string {
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	return filepath.Join(dir, base[:len(base)-len(ext)]+"-"+t.UTC().Format(backupTimeFormat)+ext)
}

// exists reports whether anything, even a dangling symlink, is at path.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
