//go:build !unix

package runstate

// syncDir does nothing: a directory cannot be synced here. The rename stays
// atomic, but a power failure right after it may undo it.
func syncDir(string) error { return nil }
