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
// every status query. The directory's watch only sees changes made through
// the directory itself, which is why trusted limits it to regular files
// with one link, on the directory's own mount, on a local file system (see
// localFS). What can change a file that passed that test without an event
// in the directory is covered too: each such file has a watch of its own
// (watch), so that a hard link made to it later and any write through it
// raise an event; and the mount table is polled (/proc/self/mountinfo),
// since a file mounted over one of the directory raises no event at all.
// A change of the mount table anywhere costs one statx per watched file
// (remounted): only the entries no longer on the directory's mount are
// named.
//
// Without the poll (/proc/self/mountinfo could not be opened: no procfs
// in superd's mount namespace, a sandbox that denies it, no descriptor
// left), files are trusted all the same, with one change left unseen: a
// file mounted over a service file after it was last checked, until an
// event names its entry or a reload reads it. Making such a mount takes
// CAP_SYS_ADMIN over superd's mount namespace, and what depends on it is
// the mark of a file changed since it was loaded, not what runs; trusting
// no file instead would cost a stat per file at every query, the same as
// having no dirChanges. mountPollErr tells whether the poll is off.
type dirChanges struct {
	fd       int
	dirWD    int32 // the directory's watch
	dir      string
	mntID    uint64 // the directory's mount
	dev, ino uint64 // the directory the path named when the watch began
	mounts   int    // /proc/self/mountinfo, polled for changes of the mount table; -1 without
	mountErr error  // why mounts is -1

	files map[int32]string // the entry each file watch was made for, by watch descriptor, until the kernel drops it
	named map[string]int32 // the file watch of each entry that has one
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

// fileWatchMask is every event on a file itself, through whichever path,
// after which its stamp may differ or it may no longer be trusted: a
// write, a change of its times, mode or link count (IN_ATTRIB: a hard link
// made to it), its removal or its move.
const fileWatchMask = unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_CLOSE_WRITE |
	unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_DONT_FOLLOW

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

// mountinfo is the file whose poll tells of changes of the mount table.
const mountinfo = "/proc/self/mountinfo"

// newDirChanges starts watching dir. It fails on a file system that is
// not in localFS.
func newDirChanges(dir string) (*dirChanges, error) {
	return openDirChanges(dir, mountinfo)
}

// openDirChanges is newDirChanges, polling mounts (mountinfo but in
// tests) for changes of the mount table. A mounts that cannot be opened
// is no failure: see dirChanges.
func openDirChanges(dir, mounts string) (*dirChanges, error) {
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
	d := &dirChanges{dir: dir, mntID: stx.Mnt_id, dev: uint64(st.Dev), ino: st.Ino, mounts: -1,
		files: make(map[int32]string), named: make(map[string]int32)}
	// Opened first: a mount after the open is reported by the next poll.
	if fd, err := unix.Open(mounts, unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		d.mountErr = &os.PathError{Op: "open", Path: mounts, Err: err}
	} else {
		d.mounts = fd
	}
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		_ = d.closeMounts()
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	d.fd = fd
	wd, err := unix.InotifyAddWatch(fd, dir, watchMask)
	if err != nil {
		_ = d.close()
		return nil, os.NewSyscallError("inotify_add_watch", err)
	}
	d.dirWD = int32(wd)
	return d, nil
}

// mountPollErr tells why the mount table is not polled (see dirChanges),
// or nil if it is.
func (d *dirChanges) mountPollErr() error {
	return d.mountErr
}

// sameDir reports whether the directory's path still names the directory
// being watched. A path through a symlink that was switched to another
// directory (a release swapped in by replacing a "current" link) names
// files that raise no event here.
func (d *dirChanges) sameDir() bool {
	var st unix.Stat_t
	return unix.Stat(d.dir, &st) == nil && uint64(st.Dev) == d.dev && st.Ino == d.ino
}

// watch makes sure that drain names path's entry after any change of the
// file it names now, through whichever path, and reports whether drain
// sees every change of path from now on (see trusted). It must come
// before the stat whose result the caller keeps: a change after the watch
// raises an event, one before it is in the stat.
//
// Only a trusted file gets a watch. One that is not (a symlink, a file
// with other links, one on another mount, a missing one) is stat'ed at
// each query anyway: a watch would cost a system call per query, hold its
// inode and count against fs.inotify.max_user_watches for nothing. So
// trusted is asked first, and again once the watch is made, for a link or
// a mount made in between.
func (d *dirChanges) watch(path string) bool {
	if filepath.Dir(path) != d.dir {
		return false
	}
	name := filepath.Base(path)
	if !d.trusted(path) {
		d.unwatch(name) // of the file it named when it was trusted, if any
		return false
	}
	wd, err := unix.InotifyAddWatch(d.fd, path, fileWatchMask)
	if err != nil {
		// Gone since, or no watch left (fs.inotify.max_user_watches): it
		// is stat'ed at each query.
		d.unwatch(name)
		return false
	}
	w := int32(wd)
	if other, ok := d.files[w]; w == d.dirWD || ok && other != name {
		// The directory itself, or the file of another entry too (so it
		// has two links now, and is not trusted): that watch stays as it
		// is.
		d.unwatch(name)
		return false
	}
	if old, ok := d.named[name]; ok && old != w {
		// The file the entry named before: its last events, if any, still
		// name the entry until the kernel drops the watch (IN_IGNORED).
		_, _ = unix.InotifyRmWatch(d.fd, uint32(old))
	}
	d.files[w], d.named[name] = name, w
	if !d.trusted(path) {
		d.unwatch(name)
		return false
	}
	return true
}

// unwatch drops the watch of the entry name, if it has one. Its last
// events, and the IN_IGNORED its removal queues, still name the entry
// (see fileEvent).
func (d *dirChanges) unwatch(name string) {
	if wd, ok := d.named[name]; ok {
		_, _ = unix.InotifyRmWatch(d.fd, uint32(wd))
		delete(d.named, name)
	}
}

// forget drops the watch of path's entry, whose service is no longer
// loaded: a watch is otherwise dropped only when drain or watch finds
// that the entry no longer names the watched file, and watch is asked
// only for loaded services. The next drain names the entry once more.
// d may be nil.
func (d *dirChanges) forget(path string) {
	if d == nil || filepath.Dir(path) != d.dir {
		return
	}
	d.unwatch(filepath.Base(path))
}

// trusted reports whether drain can see every change of path: a regular
// file of the directory (not a symlink), with one link, on the
// directory's own mount (not a file bind-mounted over it). That holds for
// as long as path has a watch (see watch): a link made to the file later
// raises an event on that watch, and a file mounted over it later is
// found by drain's check of the watched entries' mounts after the mount
// table changed (see remounted). Without the poll of the mount table, a
// mount over it goes unseen (see dirChanges).
func (d *dirChanges) trusted(path string) bool {
	if filepath.Dir(path) != d.dir {
		return false
	}
	var stx unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_TYPE|unix.STATX_NLINK|unix.STATX_MNT_ID, &stx)
	return err == nil && stx.Mask&unix.STATX_MNT_ID != 0 &&
		stx.Mode&unix.S_IFMT == unix.S_IFREG && stx.Nlink == 1 && stx.Mnt_id == d.mntID
}

// drain reads every queued event without blocking. If the mount table
// changed since it last looked, it also names the watched entries that
// are no longer on the directory's mount (see remounted).
//
// An entry removed or moved away through the directory loses its watch:
// the file may live on under another link (and its service be reloaded
// away, so that watch is not asked about its entry again). The entry is
// named, and watched again when it is next checked.
func (d *dirChanges) drain() (dirEvents, error) {
	var (
		ev  dirEvents
		buf [4096]byte // room for many events, and for one with the longest name
	)
	mounted, err := d.mountsChanged()
	if err != nil {
		return ev, err
	}
	for {
		n, err := unix.Read(d.fd, buf[:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EAGAIN) {
			break
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
			case raw.Wd != d.dirWD:
				d.fileEvent(&ev, raw.Wd, raw.Mask)
			case raw.Mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_UNMOUNT) != 0:
				ev.gone = true
			case raw.Len > 0:
				entry := unix.ByteSliceToString(name)
				ev.names = append(ev.names, entry)
				if raw.Mask&(unix.IN_DELETE|unix.IN_MOVED_FROM) != 0 {
					d.unwatch(entry)
				}
			}
		}
	}
	if mounted {
		d.remounted(&ev)
	}
	return ev, nil
}

// remounted names in ev each watched entry that no longer names a file
// on the directory's mount (a file was mounted over it, or it is gone),
// and drops its watch, which is on the file it named before: one statx
// per watched entry. A change of the mount table that leaves the
// directory's entries alone (a container started, a mount elsewhere)
// names none.
func (d *dirChanges) remounted(ev *dirEvents) {
	for name := range d.named {
		var stx unix.Statx_t
		err := unix.Statx(unix.AT_FDCWD, filepath.Join(d.dir, name), unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &stx)
		if err == nil && stx.Mask&unix.STATX_MNT_ID != 0 && stx.Mnt_id == d.mntID {
			continue
		}
		ev.names = append(ev.names, name)
		d.unwatch(name)
	}
}

// fileEvent records in ev an event of mask on the file watch wd: it names
// the entry the watch was made for.
func (d *dirChanges) fileEvent(ev *dirEvents, wd int32, mask uint32) {
	name, ok := d.files[wd]
	if !ok {
		return
	}
	ev.names = append(ev.names, name)
	switch {
	case mask&unix.IN_IGNORED != 0:
		// The watch is gone (the file was deleted, or watch replaced it).
		delete(d.files, wd)
		if d.named[name] == wd {
			delete(d.named, name)
		}
	case mask&unix.IN_MOVE_SELF != 0 && d.named[name] == wd:
		// The file left the entry (with one link, it has no other name
		// in the directory; moved to the trash, say): the entry is
		// watched again when it is next checked, and the file no longer.
		d.unwatch(name)
	}
}

// mountsChanged reports whether the mount table changed since it was last
// asked (or since newDirChanges): the kernel marks /proc/self/mountinfo
// with POLLPRI (and POLLERR) for each poll after a change. Without the
// poll, false.
func (d *dirChanges) mountsChanged() (bool, error) {
	if d.mounts < 0 {
		return false, nil
	}
	fds := []unix.PollFd{{Fd: int32(d.mounts), Events: unix.POLLPRI}}
	for {
		_, err := unix.Poll(fds, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return false, os.NewSyscallError("poll /proc/self/mountinfo", err)
		}
		return fds[0].Revents&(unix.POLLPRI|unix.POLLERR) != 0, nil
	}
}

// closeMounts closes the file polled for changes of the mount table.
func (d *dirChanges) closeMounts() error {
	if d.mounts < 0 {
		return nil
	}
	return unix.Close(d.mounts)
}

// close stops the watch.
func (d *dirChanges) close() error {
	return errors.Join(unix.Close(d.fd), d.closeMounts())
}
