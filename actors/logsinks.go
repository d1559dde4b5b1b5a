package actors

import (
	"sync"

	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/transport"
)

// logSinks lets the Supervisor read the log counters of a service without
// asking an actor: the log sink actor adds each Sink it opened and removes
// it when it closes it; Sink.Stats may be called from any goroutine.
//
// A plain map under a read-write lock, not a sync.Map: a status of every
// service reads them all under one lock (setDropped), where a sync.Map
// took a hashed walk of its trie for each name.
type logSinks struct {
	mu sync.RWMutex
	m  map[string]*logsink.Sink // by service name
}

// set records s as the Sink of the service name.
func (r *logSinks) set(name string, s *logsink.Sink) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string]*logsink.Sink)
	}
	r.m[name] = s
}

// remove forgets s as the Sink of the service name, unless another
// replaced it since.
func (r *logSinks) remove(name string, s *logsink.Sink) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m[name] == s {
		delete(r.m, name)
	}
}

// setDropped sets the LogDroppedBytes of each status in l: the bytes of
// output the Sink of its service dropped, both streams together, since it
// was opened; 0 if it has none.
func (r *logSinks) setDropped(l []transport.ServiceStatus) {
	for i := range l {
		l[i].LogDroppedBytes = 0
	}
	if r == nil {
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for i := range l {
		if s := r.m[l[i].Name]; s != nil {
			l[i].LogDroppedBytes = s.DroppedBytes()
		}
	}
}
