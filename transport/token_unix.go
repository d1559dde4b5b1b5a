//go:build unix

package transport

import (
	"fmt"
	"io/fs"
	"os"
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
// Debian's ssl-cert group reads its members' keys.
func checkKeyFileMode(path string, fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o006 != 0 {
		return fmt.Errorf("TLS key file %s has mode %04o: every user may read or change it (chmod o-rwx %s)", path, perm, path)
	}
	return nil
}

// fileOwner returns the uid of the file fi describes, -1 if unknown.
func fileOwner(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Uid)
	}
	return -1
}
