//go:build linux

package pathsafe

import "golang.org/x/sys/unix"

// searchOnly opens a directory for use as the directory of *at calls
// only, which needs no read permission on it.
const searchOnly = unix.O_PATH
