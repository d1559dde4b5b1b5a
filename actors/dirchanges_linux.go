//go:build linux

package actors

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dirChanges tells which entries of a directory changed since it was last
// asked. It is an inotify instance in non-blocking mode that nothing waits
// on: the kernel queues an event when an entry is written, truncated,
// touched, created, renamed or removed (before that system call returns),
// and drain reads the queue when the config actor asks. So it costs no
// goroutine and no wake-up, and an answer never misses a change made
// before the question.
//
// The config actor uses it to check only the service files that had an
// event since it last looked at them, instead of a stat per service for
// every status query. It only sees changes made through the directory
// itself, which is why trusted limits it to regular files with one link,
// on the directory's own mount, on a local file system (see localFS).
type dirChanges struct {
	fd       int
	dir      string
	mntID    uint64 // the directory's mount
	dev, ino uint64 // the directory the path named when the watch began
}

// dirEvents is what drain read.
type dirEvents struct {
	names    []string // entries named by the events (repeats possible)
	overflow bool     // the kernel's queue overflowed: events were lost
	gone     bool     // the watch ended (directory removed, moved away or unmounted)
}

// watchMask is every event after which a file's stamp may differ.
const watchMask = unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_CLOSE_WRITE |
	unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR

// localFS reports whether a file system type (statfs f_type) is one whose
// changes all go through this kernel, so that inotify sees them. On NFS,
// SMB, FUSE and the like a change made elsewhere raises no event here.
func localFS(fsType int64) bool {
	switch fsType {
	case unix.EXT4_SUPER_MAGIC, // also ext2 and ext3
		unix.XFS_SUPER_MAGIC,
		unix.BTRFS_SUPER_MAGIC,
		unix.TMPFS_MAGIC,
		unix.RAMFS_MAGIC,
		unix.OVERLAYFS_SUPER_MAGIC,
		unix.F2FS_SUPER_MAGIC,
		unix.BCACHEFS_SUPER_MAGIC,
		0x2fc12fc1: // ZFS
		return true
	}
	return false
}

// newDirChanges starts watching dir. It fails on a file system that is
// not in localFS.
func newDirChanges(dir string) (*dirChanges, error) {
	dir = filepath.Clean(dir)
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		return nil, os.NewSyscallError("statfs", err)
	}
	if !localFS(int64(fs.Type)) {
		return nil, fmt.Errorf("file system type %#x of %s is not known to be local", fs.Type, dir)
	}
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, dir, 0, unix.STATX_MNT_ID, &stx); err != nil {
		return nil, os.NewSyscallError("statx", err)
	}
	if stx.Mask&unix.STATX_MNT_ID == 0 {
		return nil, errors.New("statx gives no mount id")
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return nil, os.NewSyscallError("stat", err)
	}
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	if _, err := unix.InotifyAddWatch(fd, dir, watchMask); err != nil {
		_ = unix.Close(fd)
		return nil, os.NewSyscallError("inotify_add_watch", err)
	}
	return &dirChanges{fd: fd, dir: dir, mntID: stx.Mnt_id, dev: uint64(st.Dev), ino: st.Ino}, nil
}

// sameDir reports whether the directory's path still names the directory
// being watched. A path through a symlink that was switched to another
// directory (a release swapped in by replacing a "current" link) names
// files that raise no event here.
func (d *dirChanges) sameDir() bool {
	var st unix.Stat_t
	return unix.Stat(d.dir, &st) == nil && uint64(st.Dev) == d.dev && st.Ino == d.ino
}

// trusted reports whether drain sees every change of path: a regular file
// of the directory (not a symlink), with one link, on the directory's own
// mount (not a file bind-mounted over it).
func (d *dirChanges) trusted(path string) bool {
	if filepath.Dir(path) != d.dir {
		return false
	}
	var stx unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_TYPE|unix.STATX_NLINK|unix.STATX_MNT_ID, &stx)
	return err == nil && stx.Mask&unix.STATX_MNT_ID != 0 &&
		stx.Mode&unix.S_IFMT == unix.S_IFREG && stx.Nlink == 1 && stx.Mnt_id == d.mntID
}

// drain reads every queued event without blocking.
func (d *dirChanges) drain() (dirEvents, error) {
	var (
		ev  dirEvents
		buf [4096]byte // room for many events, and for one with the longest name
	)
	for {
		n, err := unix.Read(d.fd, buf[:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EAGAIN) {
			return ev, nil
		}
		if err != nil {
			return ev, os.NewSyscallError("read inotify", err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			raw := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(raw.Len)]
			off += unix.SizeofInotifyEvent + int(raw.Len)
			switch {
			case raw.Mask&unix.IN_Q_OVERFLOW != 0:
				ev.overflow = true
			case raw.Mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_UNMOUNT) != 0:
				ev.gone = true
			case raw.Len > 0:
				ev.names = append(ev.names, unix.ByteSliceToString(name))
			}
		}
	}
}

// close stops the watch.
func (d *dirChanges) close() error {
	return unix.Close(d.fd)
}
