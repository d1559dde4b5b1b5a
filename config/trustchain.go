//go:build unix

package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/supers-dev/supers/config/pathsafe"
)

// checkFileChain returns an error wrapping ErrUntrusted if a user other
// than root and this process's effective user could make path, a file
// superd reads as root (a service file, an EnvironmentFile=), lead to
// another file: if a directory holding a symbolic link the path goes
// through, or the directory holding the file it leads to, fails
// checkTrusted (another user's, writable by every user, sticky or not,
// or by a group other than root's and ours). Such a user could repoint
// the link, or swap the file, at any file root owns whose content they
// influence (a service's log, say), and have it run as root; so could the
// owner of a link in a sticky directory (see pathsafe.Walk). checkTrusted
// of the file itself, as opened, is readTrusted's.
//
// The ancestors of those directories are not checked (as CheckDirTrusted
// does not check the config dir's): whoever owns one of them could still
// rename a directory away. Errors resolving path are as readFile's (no
// path repeated; a missing file wraps fs.ErrNotExist).
func checkFileChain(path string) error {
	_, err := pathsafe.Walk(path, func(dir string, fi fs.FileInfo, role pathsafe.Role) error {
		var holds string
		switch {
		case role&pathsafe.HoldsLink != 0:
			holds = "a symbolic link on the way to the file"
		case role&pathsafe.HoldsEnd != 0:
			holds = "the file"
		default:
			return nil
		}
		if err := checkTrusted(fi); err != nil {
			// The remedy is not to open up, or take over, a directory
			// such as /tmp or another user's, but to move the file.
			var ue *untrustedError
			if errors.As(err, &ue) {
				who := "root"
				if euid := os.Geteuid(); euid != 0 {
					who = "root or uid " + strconv.Itoa(euid)
				}
				err = &untrustedError{ue.why, "keep the file, and any link to it, in a directory that only " + who + " may write"}
			}
			return fmt.Errorf("directory %s, which holds %s: %w", shownPath(dir), holds, err)
		}
		return nil
	})
	var le *pathsafe.LinkError
	switch {
	case err == nil, errors.Is(err, ErrUntrusted):
		return err
	case errors.As(err, &le):
		return fmt.Errorf("%w: %v", ErrUntrusted, err)
	default:
		return ioError(err)
	}
}
