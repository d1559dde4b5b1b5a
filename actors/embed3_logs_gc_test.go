//go:build linux

package actors_test

import (
	"context"
	"io"
	"runtime"
	"testing"
	"weak"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// A followed log stream that the supervisor ends itself (Run returns)
// and whose reader is closed does not keep the supervisor alive through
// the caller's context, which may live much longer.
func TestEmbedLogStreamReleasesSupervisor(t *testing.T) {
	long, cancelLong := context.WithCancel(context.Background())
	defer cancelLong()
	g0 := runtime.NumGoroutine()
	ptr := func() weak.Pointer[actors.Supervisor] {
		sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{config.New("web", "/bin/sh", "-c", "echo hi; exec sleep 60")}})
		var readers []io.ReadCloser
		for _, q := range []transport.LogQuery{{Follow: true}, {Follow: true, Stream: transport.StreamStderr}, {Tail: -1}} {
			r, err := sup.Logs(long, "web", q)
			if err != nil {
				t.Fatal(err)
			}
			readers = append(readers, r)
		}
		cancel()
		waitRun(t, ran)
		for _, r := range readers {
			if _, err := io.Copy(io.Discard, r); err != nil {
				t.Error(err)
			}
			r.Close()
		}
		return weak.Make(sup)
	}()
	waitReleased(t, "its log streams ended", ptr, g0)
}
