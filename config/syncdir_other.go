//go:build !unix

package config

// syncDir is a no-op where directories cannot be synced (Windows: a rename
// is made durable by the file system itself).
func syncDir(string) error { return nil }
