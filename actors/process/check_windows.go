//go:build windows

package process

import (
	"errors"
	"os"
)

// Check reports what would make a start of spec fail before its program
// runs: a missing working directory, a program not found. User and Group
// are refused, as Start refuses them here. Every error is an *[ExecError].
func (m *Manager) Check(spec Spec) error {
	return CheckStart(spec)
}

// CheckStart is [Manager.Check] for a program without a Manager.
func CheckStart(spec Spec) error {
	cmd, err := newCmd(spec)
	if err != nil {
		return err
	}
	if spec.User != "" {
		return &ExecError{Op: "user", Path: spec.User, Err: errors.ErrUnsupported}
	}
	if spec.Group != "" {
		return &ExecError{Op: "group", Path: spec.Group, Err: errors.ErrUnsupported}
	}
	if _, err := os.Stat(cmd.Path); err != nil {
		return &ExecError{Op: "exec", Path: cmd.Path, Err: err}
	}
	return nil
}
