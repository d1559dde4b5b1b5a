//go:build !linux

package process

import (
	"os"
	"syscall"
)

// Strays finds nothing on this platform: without a child subreaper,
// orphans go to init, and there are no pidfds to hold them by.
func (m *Manager) Strays(entry string, pipes ...uint64) []*Stray { return nil }

// PipeID returns 0: nothing looks for the pipes here.
func PipeID(*os.File) uint64 { return 0 }

// HoldsPipe reports false: there is no /proc to look in.
func HoldsPipe(int, []uint64) bool { return false }

// HoldsPipeAsOutput reports false: there is no /proc to look in.
func HoldsPipeAsOutput(int, []uint64) bool { return false }

func (s *Stray) signal(syscall.Signal) error { return ErrNoProcess }
func (s *Stray) exited() bool                { return true }
func (s *Stray) close()                      {}
