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
	return checkChain(path, pathsafe.HoldsEnd, "the file")
}

// CheckDirChain returns an error wrapping ErrUntrusted if dir, a config
// dir, or a directory holding a symbolic link on the way to it, fails the
// rule checkFileChain applies to each file in it: no file of dir could be
// loaded then (and a file written there would not load either).
func CheckDirChain(dir string) error {
	return checkChain(dir, pathsafe.IsEnd, "the config dir")
}

// checkChain is checkFileChain of path, checking the directory whose role
// is end (named what) as the one that holds or is what path names.
func checkChain(path string, end pathsafe.Role, what string) error {
	_, err := pathsafe.Walk(path, func(dir string, fi fs.FileInfo, role pathsafe.Role) error {
		var where string
		switch {
		case role&pathsafe.HoldsLink != 0:
			where = fmt.Sprintf("directory %s, which holds a symbolic link on the way to %s", shownPath(dir), what)
		case role&end != 0 && end == pathsafe.IsEnd:
			where = what + " " + shownPath(dir)
		case role&end != 0:
			where = fmt.Sprintf("directory %s, which holds %s", shownPath(dir), what)
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
				err = &untrustedError{ue.why, "keep " + what + ", and any link to it, in a directory that only " + who + " may write"}
			}
			return fmt.Errorf("%s: %w", where, err)
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
