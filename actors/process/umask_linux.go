//go:build linux

package process

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"strconv"

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
// the process's if want is nil. Once the thread has a filesystem context
// of its own, the process's umask is read at each such start (an
// embedding program may change its own): as the working directory, it is
// followed (see followDir); base stands for it if it cannot be read.
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
	} else if u, ok := processUmask(); ok {
		m = u
	}
	if m != t.cur {
		unix.Umask(m)
		t.cur = m
	}
	return nil
}

// followDir moves the spawner thread, once it has a filesystem context of
// its own, to the process's current working directory, which it stops
// following then: a child with no Dir of its own inherits it, as it does
// when the thread shares the process's. It is not given the path as its
// Dir: a child that enters it runs that check as its User (who may not
// enter superd's directory, such as root's home), so its start would fail
// because another service has a UMask. Opened through /proc/self/cwd, a
// directory removed since is followed too. On error the thread stays
// where it is (the process's directory when the context was unshared).
func (t *threadUmask) followDir() error {
	if !t.own {
		return nil
	}
	fd, err := unix.Open("/proc/self/cwd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0) // the process's, not this thread's
	if err != nil {
		return fmt.Errorf("open the working directory: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Fchdir(fd); err != nil {
		return fmt.Errorf("enter the working directory: %w", err)
	}
	return nil
}

// processUmask returns the umask of the process (the Umask line of
// /proc/self/status: that of its main thread, whose filesystem context
// the threads other than the spawner share), false if it cannot be read.
func processUmask() (int, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	_, rest, ok := bytes.Cut(status, []byte("\nUmask:"))
	if !ok {
		return 0, false // before Linux 4.7
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	m, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 8, 32)
	if err != nil || m > 0o777 {
		return 0, false
	}
	return int(m), true
}
