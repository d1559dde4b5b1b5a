//go:build linux

package actors_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// A followed log stream gives the service's last output, written while
// the shutdown stopped it, even when its reader had not read it when the
// streams ended: the shutdown used to close the reader, and what it had
// not read yet was lost ("supers logs -f" missed a service's last lines).
func TestLogsFollowerGetsLastOutputAtShutdown(t *testing.T) {
	const lines = 20000
	script := fmt.Sprintf("trap 'seq 1 %d; echo last; exit 0' TERM; echo armed; while :; do sleep 0.05; done", lines)
	bye := config.New("bye", "/bin/sh", "-c", script)
	if err := config.Validate(bye); err != nil {
		t.Fatal(err)
	}
	logDir := t.TempDir()
	sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{bye}, LogDir: logDir})
	eventually(t, "bye's first line", func() bool {
		b, _ := os.ReadFile(filepath.Join(logDir, "bye", "stdout.log"))
		return string(b) == "armed\n"
	})
	r, err := sup.Logs(context.Background(), "bye", transport.LogQuery{Tail: -1, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	waitRun(t, ran)

	type result struct {
		b   []byte
		err error
	}
	got := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(r)
		got <- result{b, err}
	}()
	var res result
	select {
	case res = <-got:
	case <-time.After(20 * time.Second):
		t.Fatal("the followed stream did not end after Run returned")
	}
	var want strings.Builder
	want.WriteString("armed\n")
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(&want, "%d\n", i)
	}
	want.WriteString("last\n")
	if res.err != nil || string(res.b) != want.String() {
		t.Fatalf("followed stream after Run returned: %d bytes ending %q, err %v; want %d bytes ending \"last\\n\"",
			len(res.b), lastBytes(res.b, 20), res.err, want.Len())
	}
}

// lastBytes returns the last n bytes of b at most.
func lastBytes(b []byte, n int) []byte {
	return b[max(0, len(b)-n):]
}
