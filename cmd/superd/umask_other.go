//go:build !unix

package main

// setServiceUmask does nothing where there is no umask.
func setServiceUmask() {}
