//go:build !unix

package logsink

// dirLock takes no lock here (no flock): two supervisors must not write
// the same service's logs.
type dirLock struct{ dir string }

// take does nothing here.
func (*dirLock) take(bool) error { return nil }

// drop does nothing here.
func (*dirLock) drop() {}

// release does nothing here.
func (*dirLock) release() {}
