//go:build !unix

package config

// checkFileChain has no owners to check on this system.
func checkFileChain(string) error { return nil }

// CheckDirChain has no owners to check on this system.
func CheckDirChain(string) error { return nil }
