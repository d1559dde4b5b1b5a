//go:build !linux

package process

import (
	"os"
	"syscall"
)

// Strays finds nothing on this platform: without a child subreaper,
// orphans go to init, and there are no pidfds to hold them by.
func (m *Manager) Strays(entry string, pipes ...uint64) []*Stray { return nil }

// pipeID returns 0: nothing looks for the pipes here.
func pipeID(*os.File) uint64 { return 0 }

func (s *Stray) signal(syscall.Signal) error { return ErrNoProcess }
func (s *Stray) exited() bool                { return true }
func (s *Stray) close()                      {}
