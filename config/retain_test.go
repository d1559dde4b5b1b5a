package config

import (
	"runtime"
	"testing"
	"time"
)

// TestParsedServiceKeepsNoParserState checks that a parsed Service does not
// keep the parser's working state alive: superd holds one Service per
// service for as long as it runs, so anything reachable from it is paid
// for a thousand times. The builder's read function is the probe: it is
// only reachable through the builder, so it becomes garbage with it.
func TestParsedServiceKeepsNoParserState(t *testing.T) {
	collected := make(chan struct{})
	svc := func() *Service {
		probe := new([64]byte)
		runtime.AddCleanup(probe, func(ch chan struct{}) { close(ch) }, collected)
		read := func(path string) ([]byte, error) {
			probe[0]++
			return readFile(path)
		}
		data := []byte("[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\nEnvironment=A=1\n")
		svc, err := parse("probe", "probe.service", data, read)
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		select {
		case <-collected:
			runtime.KeepAlive(svc)
			return
		default:
		}
		if time.Now().After(deadline) {
			runtime.KeepAlive(svc)
			t.Fatal("the parser's state is still reachable from the parsed Service")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
