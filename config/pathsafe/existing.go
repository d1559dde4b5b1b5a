package pathsafe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A DanglingLinkError is a symbolic link on a path, in place of a
// directory, whose target does not exist. Existing and MakeDirs refuse to
// take it as a missing directory: a mkdir of it fails (the name exists),
// and one of its target would make a directory where the link points, a
// place its owner chose but did not make; the link's own target is for
// its owner to create.
type DanglingLinkError struct {
	Link string // the link's path
	// Target is the path that does not exist, where the link leads, as
	// the kernel resolves it: a relative target from the real directory
	// of the link (the one its own path leads to, through symlinks), and
	// at the end of a chain of links, the last one's target.
	Target string
	// Via is the last link of a chain (Link leads to it through links
	// only), whose target is Target; empty when Link points to Target.
	Via string
}

// Error names the link, the last one of its chain, and the path to create.
func (e *DanglingLinkError) Error() string {
	if e.Via != "" {
		return fmt.Sprintf("%s is a symbolic link, through the symbolic link %s, to %s, which does not exist: create it", e.Link, e.Via, e.Target)
	}
	return fmt.Sprintf("%s is a symbolic link to %s, which does not exist: create it", e.Link, e.Target)
}

// maxChain is how many links danglingLink follows, as many as the kernel
// does (MaxLinks).
const maxChain = 40

// danglingLink returns the DanglingLinkError of link, a symbolic link
// whose target does not exist, or nil if link cannot be read as a link
// (replaced meanwhile): then it is missing. Its target is resolved as the
// kernel resolves it: a relative one from the real directory of the link
// (a lexical join would take a ".." from the path the link was named by,
// not from where it really is), the directory holding the target through
// its symlinks; a target that is itself a link is followed, so that the
// error names what is missing, not a link that exists.
func danglingLink(link string) *DanglingLinkError {
	e := &DanglingLinkError{Link: link}
	p := link
	for range maxChain {
		target, err := os.Readlink(p)
		if err != nil && p == link {
			return nil
		}
		if err != nil {
			break
		}
		if !filepath.IsAbs(target) {
			target = filepath.Dir(p) + string(filepath.Separator) + target
		}
		e.Target = resolveDir(target)
		fi, err := os.Lstat(e.Target)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			break
		}
		p, e.Via = e.Target, e.Target
	}
	return e
}

// resolveDir returns path with the directory holding its last name
// resolved through symlinks, as the kernel resolves it (a ".." after a
// link goes up from where the link leads); path cleaned if that directory
// cannot be resolved (missing too).
func resolveDir(path string) string {
	i := strings.LastIndexByte(path, filepath.Separator)
	if i < 0 {
		return filepath.Clean(path)
	}
	dir, name := path[:i+1], path[i+1:]
	if name == "" || name == "." || name == ".." {
		return filepath.Clean(path)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return filepath.Clean(path)
	}
	if real, err = filepath.Abs(real); err != nil {
		return filepath.Clean(path)
	}
	return filepath.Join(real, name)
}

// Existing returns the nearest of path (made absolute) and its ancestors
// that exists, as the kernel finds it (through symlinks), with its
// FileInfo, and the names of the missing ones below it, nearest first:
// what a mkdir -p would make. err is the error of the look at dir when it
// is not a missing one (a permission refused); fi is then nil. A symbolic
// link whose target does not exist is not a missing one: dir is the link,
// and err a *DanglingLinkError.
func Existing(path string) (dir string, fi fs.FileInfo, missing []string, err error) {
	dir, err = filepath.Abs(path)
	if err != nil {
		return "", nil, nil, err
	}
	for {
		fi, err = os.Stat(dir)
		parent := filepath.Dir(dir)
		if !errors.Is(err, fs.ErrNotExist) || parent == dir {
			return dir, fi, missing, err
		}
		if lfi, lerr := os.Lstat(dir); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			if dl := danglingLink(dir); dl != nil {
				return dir, nil, missing, dl
			}
		}
		missing = append(missing, filepath.Base(dir))
		dir = parent
	}
}
