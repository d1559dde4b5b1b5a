//go:build !unix

package transport

import "io/fs"

// openNoBlock is 0 where there are no FIFOs to open by path.
const openNoBlock = 0

// checkTokenFileOwner accepts every file: there are no Unix modes here.
func checkTokenFileOwner(string, fs.FileInfo) error { return nil }

// checkKeyFileMode accepts every file: there are no Unix modes here.
func checkKeyFileMode(string, fs.FileInfo) error { return nil }

// fileOwner returns -1: files have no Unix owner here.
func fileOwner(fs.FileInfo) int64 { return -1 }
