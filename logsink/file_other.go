//go:build !unix

package logsink

// oNoFollow is 0 where open has no such flag; O_EXCL still refuses to open an
// existing path, symlinks included.
const oNoFollow = 0

// checkDirTree has no Unix permissions to check here.
func checkDirTree(string) error { return nil }
