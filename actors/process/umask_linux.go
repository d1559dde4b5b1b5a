//go:build linux

package process

import (
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// threadUmask gives the spawner thread a file mode creation mask of its own,
// which its children inherit. A umask belongs to the filesystem context
// that every thread of a process shares, so it is first unshared
// (CLONE_FS): setting it then changes neither superd's other threads, which
// create log and state files meanwhile, nor the process's umask. It is done
// at the first Spec with a UMask, on the spawner's locked thread, which
// never runs anything else.
type threadUmask struct {
	own  bool // the thread has its own filesystem context
	base int  // the process's umask when it was unshared
	cur  int  // the thread's umask now
}

// set gives the thread the umask a child of spec must start with: want, or
// the process's if want is nil.
func (t *threadUmask) set(want *fs.FileMode) error {
	if !t.own {
		if want == nil {
			return nil // the thread shares the process's umask
		}
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			return fmt.Errorf("unshare the spawner thread's filesystem context: %w", err)
		}
		t.base = unix.Umask(0)
		unix.Umask(t.base)
		t.own, t.cur = true, t.base
	}
	m := t.base
	if want != nil {
		m = int(*want & 0o777)
	}
	if m != t.cur {
		unix.Umask(m)
		t.cur = m
	}
	return nil
}

// dir returns the working directory a child with no Dir of its own starts
// in: the process's, which the spawner thread stops following once it has
// a filesystem context of its own ("" while it has none, or if it cannot
// be read: then the thread's).
func (t *threadUmask) dir() string {
	if !t.own {
		return ""
	}
	wd, err := os.Readlink("/proc/self/cwd") // the process's, not this thread's
	if err != nil || strings.HasSuffix(wd, " (deleted)") {
		return "" // a removed directory cannot be entered by its path
	}
	return wd
}
