//go:build !unix

package runstate

import "io/fs"

// checkOwner has no Unix owner or mode to check here.
func checkOwner(string, fs.FileInfo) error { return nil }

// checkDir has no Unix owner or mode to check here.
func checkDir(string) error { return nil }
