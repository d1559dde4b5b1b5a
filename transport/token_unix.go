//go:build unix

package transport

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// openNoBlock is the flag loadToken opens a token file with, so that a
// FIFO in its place is refused at once instead of waiting for a writer.
// It changes nothing for a regular file.
const openNoBlock = syscall.O_NONBLOCK

// checkTokenFileOwner refuses a token file others may read or write, or
// that belongs to someone other than this process's effective user or
// root.
func checkTokenFileOwner(path string, fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("token file %s has mode %04o: %w (want 0600: chmod 600 %s)", path, perm, ErrTokenFileInsecure, path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("token file %s belongs to uid %d: %w (want uid %d or root)", path, uid, ErrTokenFileInsecure, os.Geteuid())
	}
	return nil
}

// checkKeyFileMode refuses a TLS private key file that every user may read
// or write: any local user could then serve as superd, or read the API's
// traffic, token included. A key its group may read is accepted, as
// Debian's ssl-cert group reads its members' keys; so is one other users
// cannot reach, in a directory they may not enter (certbot's keys from
// before 0.29 are 0644 in its 0700 archive/).
func checkKeyFileMode(path string, fi fs.FileInfo) error {
	perm := fi.Mode().Perm()
	if perm&0o006 == 0 {
		return nil
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil // the load just read it: gone since, the next load says so
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		if di, err := os.Stat(dir); err == nil && di.Mode().Perm()&0o001 == 0 {
			return nil
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	may := "read"
	switch {
	case perm&0o006 == 0o006:
		may = "read and change"
	case perm&0o002 != 0:
		may = "change"
	}
	return fmt.Errorf("TLS key file %s has mode %04o and every user may reach it: any of them may %s it (chmod o-rwx %s)", path, perm, may, real)
}

// fileOwner returns the uid of the file fi describes, -1 if unknown.
func fileOwner(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Uid)
	}
	return -1
}
