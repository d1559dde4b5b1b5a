//go:build !unix

package actors

import "os"

// fileID would be a file's identity; this system gives none here, so
// stamps compare only time and size.
type fileID struct{}

// fileIDOf returns the zero fileID.
func fileIDOf(os.FileInfo) fileID { return fileID{} }

// linkCount returns 1: the system's files do not tell their names here.
func linkCount(os.FileInfo) uint64 { return 1 }
