package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// ErrUntrusted marks a file or directory that a user other than root and
// the reading process's own could have written: whoever can change a
// service file, a file it names, superd.conf or the config dir can have
// the supervisor run what they want as its user (root, usually). As cron
// does with its tables, such a file is refused, not read.
var ErrUntrusted = errors.New("writable by another user")

// checkTrusted returns an error wrapping ErrUntrusted if fi (of a file as
// opened, or of a directory) belongs to a user other than root and this
// process's effective user, or may be written by a group other than
// theirs, or by every user. It never fails on systems without Unix owners.
func checkTrusted(fi fs.FileInfo) error {
	uid, gid, ok := fileOwner(fi)
	if !ok {
		return nil
	}
	euid, egid := os.Geteuid(), os.Getegid()
	perm := fi.Mode().Perm()
	mode := uint32(perm) // as chmod shows it: a sticky dir is 1777
	if fi.Mode()&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	owners := "root"
	if euid != 0 {
		owners = "root or uid " + strconv.Itoa(euid)
	}
	group := "root"
	if euid != 0 {
		group = "root or group " + strconv.Itoa(egid)
	}
	switch {
	case uid != 0 && uid != euid:
		return &untrustedError{fmt.Sprintf("it belongs to uid %d, who could make superd run anything as uid %d", uid, euid), "chown it to " + owners}
	case perm&0o002 != 0:
		return &untrustedError{fmt.Sprintf("every user may write it (mode %04o), and so make superd run anything as uid %d", mode, euid), "chmod o-w"}
	case perm&0o020 != 0 && gid != 0 && gid != egid:
		return &untrustedError{fmt.Sprintf("group %d may write it (mode %04o), and so make superd run anything as uid %d", gid, mode, euid), "chmod g-w, or chgrp it to " + group}
	}
	return nil
}

// untrustedError is checkTrusted's error: why, and the remedy. It wraps
// ErrUntrusted.
type untrustedError struct {
	why, fix string
}

func (e *untrustedError) Error() string {
	return ErrUntrusted.Error() + ": " + e.why + "; refusing to use it (" + e.fix + ")"
}

func (e *untrustedError) Unwrap() error { return ErrUntrusted }

// readTrusted is readFile for a file whose content decides what the
// supervisor runs: it is refused (see checkTrusted) if another user could
// have written it.
//
// The directories that hold the file and each symlink on the way to it are
// checked too (checkFileChain): whoever could write one of them could put
// another file, or a link to one they influence, in its place.
func readTrusted(path string) ([]byte, error) {
	if err := checkFileChain(path); err != nil {
		return nil, err
	}
	return readFileChecked(path, checkTrusted)
}

// CheckDirTrusted returns an error wrapping ErrUntrusted if dir, a config
// dir, could be written by a user other than root and this process's
// effective user (see checkTrusted; a sticky bit does not help: anyone
// could add a service file). Its ancestors are not checked.
func CheckDirTrusted(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if err := checkTrusted(fi); err != nil {
		return fmt.Errorf("%s: %w", shownPath(dir), err)
	}
	return nil
}
