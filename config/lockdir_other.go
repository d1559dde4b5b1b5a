//go:build !unix

package config

// DirLock takes no lock here (no flock): two supervisors must not share a
// configuration directory.
type DirLock struct{}

// LockDir takes no lock here.
func LockDir(string) (*DirLock, error) { return &DirLock{}, nil }

// Refresh does nothing here.
func (*DirLock) Refresh() error { return nil }

// Close does nothing here.
func (*DirLock) Close() error { return nil }

// Foreign returns nil here: no lock is taken.
func (*DirLock) Foreign() error { return nil }
