package actors

import (
	"testing"

	"github.com/supers-dev/supers/logsink"
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
	if v, ok := r.m.Load("web"); !ok || v.(*logsink.Sink) != repl {
		t.Fatalf("web's Sink is %v, %v; want the replacement", v, ok)
	}
	if n := r.dropped("web"); n != 0 {
		t.Errorf("dropped %d, want 0", n)
	}
	r.remove("web", repl)
	if _, ok := r.m.Load("web"); ok {
		t.Error("web's Sink still there once removed")
	}
	var none *logSinks
	none.set("x", old)
	none.remove("x", old)
	if none.dropped("x") != 0 || r.dropped("nope") != 0 {
		t.Error("a nil registry or an unknown service counts something")
	}
}
