//go:build !unix

package main

import "os"

// logStderr returns the file superd writes its own log to: its stderr
// here (no SIGPIPE).
func logStderr() *os.File { return os.Stderr }
