//go:build !linux

package process

import "syscall"

// Strays finds nothing on this platform: without a child subreaper,
// orphans go to init, and there are no pidfds to hold them by.
func (m *Manager) Strays(entry string) []*Stray { return nil }

func (s *Stray) signal(syscall.Signal) error { return ErrNoProcess }
func (s *Stray) exited() bool                { return true }
func (s *Stray) close()                      {}
