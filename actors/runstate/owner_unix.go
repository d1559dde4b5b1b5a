//go:build unix

package runstate

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
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
