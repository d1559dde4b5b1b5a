//go:build unix

package logsink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/supers-dev/supers/config/pathsafe"
)

// oNoFollow makes open fail on a symlink.
const oNoFollow = syscall.O_NOFOLLOW

// mayNotWrite returns why this process may not append to the regular file
// at path, which fi describes, or nil. It opens the file only when fi does
// not show it (a file of another user, found by a superd that runs as
// another user than the one that wrote it): root, and the owner of a file
// it may write, need no open.
func mayNotWrite(path string, fi os.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if euid := os.Geteuid(); euid == 0 || int(st.Uid) == euid && fi.Mode().Perm()&0o200 != 0 {
			return nil
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|oNoFollow, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

// checkDirTree refuses dir, a service's log directory, if a user other
// than root and this process's effective user could change what it holds:
// dir or one of the directories that could redirect the path to it belongs
// to another user or may be written by every user, or dir or its parent
// (the log dir that holds every service's, superd's --log-dir; and, for a
// dir that is a symlink, the directory holding its target) may be
// written by a group other than root's and ours. Such a user could swap a
// log file for a symlink (or, in the parent, dir for a directory of
// theirs) between its check and lumberjack's open, which follows symlinks,
// and have superd append to any file it can write. An ancestor that is
// sticky, like /tmp, is safe: others cannot rename or remove what is not
// theirs there. A group-writable ancestor above the parent is allowed, as
// logging daemons commonly have one (Ubuntu's /var/log is root:syslog
// 0775). The directories checked are dir's ancestors and, for a dir
// reached through symlinks, the directories holding each link and the
// ancestors of each target (see pathsafe.Walk): whoever may write in one
// of them could repoint a link or rename a directory away.
func checkDirTree(dir string) error {
	d, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("log directory: %w", err)
	}
	// The parent as the kernel finds it (through its links): the log dir.
	parent, perr := os.Stat(filepath.Dir(d))
	euid, egid := os.Geteuid(), os.Getegid()
	_, err = pathsafe.Walk(d, func(p string, fi fs.FileInfo, role pathsafe.Role) error {
		leaf := role&pathsafe.IsEnd != 0
		// The log dir, and, for a dir that is a symlink, the directory
		// holding its target, where a rename would swap it just as well.
		holder := role&pathsafe.HoldsEnd != 0 || perr == nil && os.SameFile(fi, parent)
		return checkDirOwner(p, fi, leaf, leaf || holder, euid, egid)
	})
	if err != nil {
		return fmt.Errorf("log directory: %w", err)
	}
	return nil
}

// CheckServiceDir returns why Open would refuse dir, a service's log
// directory, for its owner or modes, or the owners or modes of the
// directories that lead to it (see Open), or nil; nil too for a dir that
// does not exist yet (Open creates it).
func CheckServiceDir(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return checkDirTree(dir)
}

// CheckLogDir returns why the logs of no service could be written under
// logDir, an existing log dir (superd's --log-dir), or nil: the rule each
// service's log directory is opened under (see Open), applied to what
// exists before any service's: logDir and the directories that lead to it
// must not be another user's, nor writable by every user (unless sticky),
// and logDir itself not by a group other than root's and this process's.
// For a missing logDir, the directories that exist on the way to it are
// checked as the ones above it (superd makes the rest, as its own). A
// symbolic link on the way to it whose target does not exist is refused
// (see pathsafe.DanglingLinkError).
func CheckLogDir(logDir string) error {
	d, fi, below, err := pathsafe.Existing(logDir)
	switch {
	case d == "":
		return fmt.Errorf("log directory: %w", err)
	case err == nil && !fi.IsDir():
		return fmt.Errorf("log directory: %s is not a directory", d)
	case errors.As(err, new(*pathsafe.DanglingLinkError)):
		// Not missing: no service's log directory could be made through
		// it ("not a directory"), nor is its target made for it.
		return fmt.Errorf("log directory: %w", err)
	}
	// A look refused at d is for the walk to report.
	missing := len(below) > 0
	euid, egid := os.Geteuid(), os.Getegid()
	_, err = pathsafe.Walk(d, func(p string, fi fs.FileInfo, role pathsafe.Role) error {
		return checkDirOwner(p, fi, false, !missing && role&pathsafe.IsEnd != 0, euid, egid)
	})
	if err != nil {
		return fmt.Errorf("log directory: %w", err)
	}
	return nil
}

// checkDirOwner checks one directory of checkDirTree; fi is its FileInfo,
// leaf tells whether it is the service's log directory itself, where the
// sticky bit does not help (others could create the log files first), and
// noGroup whether it must not be writable by another group either (the
// service's directory and the log dir holding it).
func checkDirOwner(d string, fi os.FileInfo, leaf, noGroup bool, euid, egid int) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := int(st.Uid); uid != 0 && uid != euid {
		return fmt.Errorf("%s belongs to uid %d, who could redirect the logs: refusing to write there (chown it to root or uid %d)", d, uid, euid)
	}
	perm := fi.Mode().Perm()
	groupWritable := noGroup && perm&0o020 != 0 && int(st.Gid) != 0 && int(st.Gid) != egid
	worldWritable := perm&0o002 != 0 && (leaf || fi.Mode()&os.ModeSticky == 0)
	if groupWritable || worldWritable {
		return fmt.Errorf("%s (mode %04o, gid %d) can be written by other users, who could redirect the logs: refusing to write there (chmod go-w)", d, perm, st.Gid)
	}
	return nil
}
