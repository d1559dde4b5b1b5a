// Package pathsafe resolves a path the way the kernel does, one name at a
// time, and hands each directory that could make the path lead elsewhere
// to a check of its caller: the directories holding the symbolic links
// the path goes through, the one holding what it finally names, and every
// ancestor of theirs, up to /. Whoever may write in one of those
// directories may rename, remove or replace what is in it, and so send
// the path (a socket's, a log's, a service file's) wherever they like,
// however safe the path's last directory is.
//
// MayCreate tells whether this process may create a file at a path (the
// permissions and the mount of the directory that would hold it), for the
// checks made before a start (superd --check). MakeDirs makes the missing
// directories of a path without following a symlink put on its way.
//
// It is a leaf: it imports nothing of the module, so that config,
// transport and logsink share one walker. Walk exists on Unix systems
// only (elsewhere there are no owners to check).
package pathsafe
