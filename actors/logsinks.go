package actors

import (
	"sync"

	"github.com/supers-dev/supers/logsink"
)

// logSinks lets the Supervisor read the log counters of a service without
// asking an actor: the log sink actor adds each Sink it opened and removes
// it when it closes it; Sink.Stats may be called from any goroutine.
type logSinks struct {
	m sync.Map // service name -> *logsink.Sink
}

// set records s as the Sink of the service name.
func (r *logSinks) set(name string, s *logsink.Sink) {
	if r != nil {
		r.m.Store(name, s)
	}
}

// remove forgets s as the Sink of the service name, unless another
// replaced it since.
func (r *logSinks) remove(name string, s *logsink.Sink) {
	if r != nil {
		r.m.CompareAndDelete(name, s)
	}
}

// dropped returns the bytes of output the Sink of the service name
// dropped, both streams together, since it was opened: 0 if it has none.
func (r *logSinks) dropped(name string) uint64 {
	if r == nil {
		return 0
	}
	v, ok := r.m.Load(name)
	if !ok {
		return 0
	}
	return v.(*logsink.Sink).DroppedBytes()
}
