//go:build unix

package pathsafe

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// MaxLinks is the most symbolic links Walk follows for one path, as
// Linux's MAXSYMLINKS: past it, Walk fails with ELOOP.
const MaxLinks = 40

// Role says why Walk hands a directory to the check; a directory may have
// several. A directory with none (0) is only an ancestor of another one:
// a name of the path was looked up in it on the way.
type Role uint8

const (
	// HoldsLink: the directory holds a symbolic link that the path goes
	// through.
	HoldsLink Role = 1 << iota
	// HoldsEnd: the directory holds what the path finally names.
	HoldsEnd
	// IsEnd: the path names this directory (after every link).
	IsEnd
)

// Check is the caller's rule for one directory: dir is its real path
// (absolute, without a symbolic link or "..") and fi its FileInfo (from
// Lstat, as met during the walk). A non-nil error stops Walk, which
// returns it as it is.
type Check func(dir string, fi fs.FileInfo, role Role) error

// Walk resolves path as the kernel would (relative to the working
// directory if it is not absolute): one name at a time, with Lstat, and
// Readlink for each symbolic link, absolute or relative, followed at most
// MaxLinks times; ".." goes up from where the path really is, not
// lexically. It does not clean path first: "l/.." is the parent of l's
// target, as for open(2), not ".".
//
// Once the path is resolved, check is called once for each directory
// that could redirect it, first met first: every directory a name was
// looked up in (each one holding a link, the one holding the end, and all
// their ancestors, up to /), and the end itself when it is a directory
// (IsEnd). Walk returns the resolved path.
//
// A symbolic link in a sticky directory (like /tmp) may be replaced by
// its owner, whatever the directory's rules: Walk refuses one that does
// not belong to root, this process's effective user or the directory's
// owner, with a *LinkError (as Linux does, when fs.protected_symlinks is
// set, for every user).
//
// Errors of Lstat and Readlink are returned as *fs.PathError naming the
// name that failed (fs.ErrNotExist for a missing one); a name under
// something that is not a directory fails with ENOTDIR, too many links
// with ELOOP. check is not called when the path cannot be resolved.
func Walk(path string, check Check) (string, error) {
	if path == "" {
		return "", &fs.PathError{Op: "resolve", Path: path, Err: syscall.ENOENT}
	}
	if path[0] != '/' {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		path = wd + "/" + path
	}
	w := walker{roles: map[string]Role{}, infos: map[string]fs.FileInfo{}}
	root, err := os.Lstat("/")
	if err != nil {
		return "", err
	}
	cur := "/"
	w.infos[cur] = root
	pending := strings.Split(path, "/")
	links := 0
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = parent(cur)
			continue
		}
		next := join(cur, name)
		w.met(cur, 0)
		fi, err := os.Lstat(next)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if links++; links > MaxLinks {
				return "", &fs.PathError{Op: "resolve", Path: path, Err: syscall.ELOOP}
			}
			if err := mayReplaceLink(next, fi, w.infos[cur]); err != nil {
				return "", err
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if target == "" {
				return "", &fs.PathError{Op: "readlink", Path: next, Err: syscall.ENOENT}
			}
			w.met(cur, HoldsLink)
			if target[0] == '/' {
				cur = "/"
			}
			pending = append(strings.Split(target, "/"), pending...)
			continue
		}
		if len(pending) > 0 && !fi.IsDir() {
			return "", &fs.PathError{Op: "resolve", Path: next, Err: syscall.ENOTDIR}
		}
		cur = next
		w.infos[cur] = fi
	}
	if cur != "/" {
		// Met already: a name was looked up in every ancestor of cur.
		w.met(parent(cur), HoldsEnd)
	}
	if w.infos[cur].IsDir() {
		w.met(cur, IsEnd)
	}
	for _, dir := range w.order {
		if err := check(dir, w.infos[dir], w.roles[dir]); err != nil {
			return "", err
		}
	}
	return cur, nil
}

// walker records the directories Walk met, in order, with their roles and
// FileInfos.
type walker struct {
	order []string
	roles map[string]Role
	infos map[string]fs.FileInfo
}

// met records dir, with role added to those it has.
func (w *walker) met(dir string, role Role) {
	r, ok := w.roles[dir]
	if !ok {
		w.order = append(w.order, dir)
	}
	w.roles[dir] = r | role
}

// A LinkError is Walk's refusal of a symbolic link that another user may
// replace: one in a sticky directory that belongs neither to root, nor to
// this process's effective user, nor to the directory's owner.
type LinkError struct {
	Link string // the link's path
	UID  int    // its owner
}

// Error says which link was refused, whose it is, and why.
func (e *LinkError) Error() string {
	return fmt.Sprintf("symbolic link %s belongs to uid %d, who may replace it (%s is sticky, but that does not protect their own links): refusing to follow it",
		e.Link, e.UID, parent(e.Link))
}

// mayReplaceLink returns a *LinkError for the symbolic link at path,
// which fi describes, held by a directory dir describes, if the directory
// is sticky and the link belongs to a user other than root, this
// process's effective user and the directory's owner: that user may
// remove it and make another.
func mayReplaceLink(path string, fi, dir fs.FileInfo) error {
	if dir.Mode()&fs.ModeSticky == 0 {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	dst, dok := dir.Sys().(*syscall.Stat_t)
	if !ok || !dok {
		return nil
	}
	if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() && st.Uid != dst.Uid {
		return &LinkError{Link: path, UID: uid}
	}
	return nil
}

// parent returns the directory holding dir, a real absolute path; / for /.
func parent(dir string) string {
	i := strings.LastIndexByte(dir, '/')
	if i <= 0 {
		return "/"
	}
	return dir[:i]
}

// join returns name in dir.
func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}
