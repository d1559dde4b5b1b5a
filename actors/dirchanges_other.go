//go:build !linux

package actors

import "errors"

// dirChanges is Linux-only (inotify); elsewhere newDirChanges fails and
// the config actor stats every service file for each status query.
type dirChanges struct{}

// dirEvents is what drain read.
type dirEvents struct {
	names    []string
	overflow bool
	gone     bool
}

func newDirChanges(string) (*dirChanges, error) { return nil, errors.ErrUnsupported }

func (*dirChanges) watch(string) bool         { return false }
func (*dirChanges) forget(string)             {}
func (*dirChanges) mountPollErr() error       { return nil }
func (*dirChanges) trusted(string) bool       { return false }
func (*dirChanges) sameDir() bool             { return false }
func (*dirChanges) drain() (dirEvents, error) { return dirEvents{}, errors.ErrUnsupported }
func (*dirChanges) close() error              { return nil }
