//go:build !unix

package config

import "io"

// LockDir takes no lock here (no flock): two supervisors must not share a
// configuration directory.
func LockDir(string) (io.Closer, error) { return nopCloser{}, nil }
