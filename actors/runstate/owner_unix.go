//go:build unix

package runstate

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/supers-dev/supers/config/pathsafe"
)

// checkOwner refuses a state file that a user other than root and this
// process's effective user may have written: one that belongs to another
// user, or that its group or others may write. KillStale kills what the
// file lists, so whoever writes it could have any process killed.
func checkOwner(path string, fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("runstate: state file %s has mode %04o: others may have written it; refusing to trust it (chmod 600 %s)", path, perm, path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("runstate: state file %s belongs to uid %d, who may have written it; refusing to trust it (remove it, or chown it to uid %d)", path, uid, os.Geteuid())
	}
	return nil
}

// checkDir refuses dir, the directory of the state file, if a user other
// than root and this process's effective user could replace what is in it,
// as superd refuses the directory of its control socket (the state file is
// beside it): dir, or a directory that could redirect the path to it (its
// ancestors, and through symbolic links the directories holding each link
// and the ancestors of each target: pathsafe.Walk), belongs to another
// user, or every user may write in it and it is not sticky (like /tmp),
// or the members of a group other than root's and this process's may.
// Whoever could would control what superd writes there as root: swap the
// state file, which decides what the next superd kills, for another one,
// or the lock file for a hard link to a file that opening it would
// chmod. A directory removed (by a cleaner of old files) and made again by
// another user is refused so, before the next write.
func checkDir(dir string) error {
	var refused error
	_, err := pathsafe.Walk(dir, func(p string, fi fs.FileInfo, _ pathsafe.Role) error {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
				refused = fmt.Errorf("runstate: state directory %s: %s belongs to uid %d, not to root or uid %d: its owner could replace the state file", dir, p, uid, os.Geteuid())
				return refused
			}
		}
		if fi.Mode().Perm()&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 {
			refused = fmt.Errorf("runstate: state directory %s: %s is writable by every user (mode %04o): anyone could replace the state file", dir, p, fi.Mode().Perm())
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && refused == nil && fi.Mode().Perm()&0o020 != 0 && fi.Mode()&fs.ModeSticky == 0 {
			if gid := int(st.Gid); gid != 0 && gid != os.Getegid() {
				refused = fmt.Errorf("runstate: state directory %s: %s is writable by the members of group %d (mode %04o): any of them could replace the state file (chmod g-w)", dir, p, gid, fi.Mode().Perm())
			}
		}
		return refused
	})
	switch {
	case refused != nil:
		return refused
	case err != nil:
		return fmt.Errorf("runstate: state directory: %w", err)
	}
	return nil
}
