//go:build !unix

package logsink

import "os"

// oNoFollow is 0 where open has no such flag; O_EXCL still refuses to open an
// existing path, symlinks included.
const oNoFollow = 0

// mayNotWrite has no Unix permissions to check here: lumberjack's open
// reports a file it cannot write.
func mayNotWrite(string, os.FileInfo) error { return nil }

// checkDirTree has no Unix permissions to check here.
func checkDirTree(string) error { return nil }

// CheckLogDir returns nil: on this system, log directories are not checked
// (see the Unix version).
func CheckLogDir(string) error { return nil }

// CheckServiceDir returns nil: on this system, log directories are not
// checked (see the Unix version).
func CheckServiceDir(string) error { return nil }
