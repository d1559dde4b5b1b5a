//go:build unix && !linux

package pathsafe

import "golang.org/x/sys/unix"

// searchOnly is O_RDONLY where there is no O_PATH: the directory must be
// readable.
const searchOnly = unix.O_RDONLY
