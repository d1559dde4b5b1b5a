package config

import "errors"

// ErrDirInUse is wrapped by the error of LockDir when another process (a
// second superd, another embedding program) holds the directory's lock.
var ErrDirInUse = errors.New("in use by another supervisor: its services would run twice")
