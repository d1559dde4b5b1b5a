package pathsafe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
	// of the link (the one its own path leads to, through symlinks), a
	// link on the target's path that leads nowhere followed to what is
	// missing, and at the end of a chain of links, the last one's target.
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
// not from where it really is), the directories on the target's path
// through their symlinks (one that does not lead anywhere is followed to
// what is missing: a mkdir -p of the target named must make what the
// link needs, not fail on a link that exists); a target that is itself a
// link is followed, so that the error names what is missing, not a link
// that exists.
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

// resolveDir returns path, absolute, as the kernel resolves it up to its
// last name, which is kept even when it is a link (a ".." after a link
// goes up from where the link leads; trailing separators are dropped, as
// ln -s writes a target "../real/"): see resolve. It returns path cleaned
// if it cannot be resolved so (a loop of links, a name that cannot be
// looked at).
func resolveDir(path string) string {
	links := maxChain
	if real, ok := resolve(path, false, &links); ok {
		return real
	}
	return filepath.Clean(path)
}

// resolve returns path, made absolute, as the kernel resolves it: each
// name that is a symbolic link (but the last one when followLast is
// false) replaced by where it leads, a relative target from the real
// directory that holds the link, up to the first name that does not
// exist; the names from there on are kept, cleaned (but for a ".."
// among them: then only that first missing name). So a link that does
// not lead anywhere within path is followed to what is really missing,
// and a mkdir -p of the result makes what path needed. links is how many
// more links it may follow (the kernel's MaxLinks in all); ok is false
// when they are not enough or a name cannot be looked at.
func resolve(path string, followLast bool, links *int) (_ string, ok bool) {
	if !filepath.IsAbs(path) {
		// Not filepath.Abs: its Clean would take a ".." after a link
		// from the link's path.
		wd, err := os.Getwd()
		if err != nil {
			return "", false
		}
		path = wd + string(filepath.Separator) + path
	}
	vol := filepath.VolumeName(path)
	names := strings.Split(path[len(vol):], string(filepath.Separator))
	last := -1
	for i, name := range names {
		if name != "" && name != "." {
			last = i
		}
	}
	cur := vol + string(filepath.Separator)
	for i, name := range names {
		switch name {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur) // cur is real: its parent is where ".." leads
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			if slices.Contains(names[i+1:], "..") {
				// A ".." below a missing name goes up from it, not
				// from its parent: the missing name is what to make
				// first (a lexical clean would drop "nothere/..").
				return next, true
			}
			return filepath.Join(append([]string{next}, names[i+1:]...)...), true
		}
		if err != nil {
			return "", false
		}
		if fi.Mode()&fs.ModeSymlink == 0 || (i == last && !followLast) {
			cur = next
			continue
		}
		if *links--; *links < 0 {
			return "", false
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", false
		}
		if !filepath.IsAbs(target) {
			target = cur + string(filepath.Separator) + target
		}
		if cur, ok = resolve(target, true, links); !ok {
			return "", false
		}
	}
	return cur, true
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
