//go:build !unix

package main

import (
	"errors"
	"os"
)

// supervise needs wait4(2).
func supervise([]string, []*os.File) error {
	return errors.New("loop runs on Unix only")
}
