//go:build !unix

package logsink

import "os"

// oNonBlock is 0 where open has no such flag.
const oNonBlock = 0

// removed reports whether the open file fi describes has no name left;
// never here, where an open file is not removed.
func removed(fi os.FileInfo) bool { return false }
