package actors

import (
	"testing"

	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/transport"
)

// The Supervisor reads a service's Sink through logSinks: a Sink removed
// after its replacement was set leaves the replacement; a service without
// one, or a nil registry, counts nothing.
func TestLogSinksRegistry(t *testing.T) {
	open := func() *logsink.Sink {
		s, err := logsink.Open(logsink.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	old, repl := open(), open()
	var r logSinks
	r.set("web", old)
	r.set("web", repl)
	r.remove("web", old) // closed after its replacement opened
	if s := r.m["web"]; s != repl {
		t.Fatalf("web's Sink is %p; want the replacement %p", s, repl)
	}
	l := []transport.ServiceStatus{{Name: "web", LogDroppedBytes: 7}, {Name: "nope", LogDroppedBytes: 9}}
	r.setDropped(l)
	if l[0].LogDroppedBytes != 0 || l[1].LogDroppedBytes != 0 {
		t.Errorf("dropped %d and %d, want 0 and 0", l[0].LogDroppedBytes, l[1].LogDroppedBytes)
	}
	r.remove("web", repl)
	if _, ok := r.m["web"]; ok {
		t.Error("web's Sink still there once removed")
	}
	var none *logSinks
	none.set("x", old)
	none.remove("x", old)
	l = []transport.ServiceStatus{{Name: "x", LogDroppedBytes: 3}}
	none.setDropped(l)
	if l[0].LogDroppedBytes != 0 {
		t.Error("a nil registry counts something")
	}
}
