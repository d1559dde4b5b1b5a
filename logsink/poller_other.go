//go:build !linux

package logsink

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
)

// Poller reads the pipes of many Sinks with one goroutine on Linux (see
// Options.Poller). On this system NewPoller returns an error matching
// errors.ErrUnsupported, and Sinks read their pipes with their own
// goroutines.
type Poller struct{}

// NewPoller returns an error matching errors.ErrUnsupported: the Poller is
// available on Linux only.
func NewPoller(log *slog.Logger) (*Poller, error) {
	return nil, fmt.Errorf("logsink: shared pipe poller: %w", errors.ErrUnsupported)
}

// Close does nothing; it returns nil.
func (p *Poller) Close() error { return nil }

// newPipes fails: no Poller can be made here.
func (p *Poller) newPipes(*Sink) (stdout, stderr *os.File, err error) {
	return nil, nil, fmt.Errorf("logsink: shared pipe poller: %w", errors.ErrUnsupported)
}
