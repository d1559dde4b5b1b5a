//go:build linux

package actors_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// A log reader without Follow, opened while the supervisor runs, gives
// the lines it was asked for even when it is read after Run has returned:
// the shutdown used to close it, and it read as empty.
func TestEmbedLogsTailReadAfterRun(t *testing.T) {
	sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{
		config.New("a", "/bin/sh", "-c", "echo hello; echo world; exec sleep 60"),
	}})
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := sup.Logs(context.Background(), "a", transport.LogQuery{Tail: -1})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) == "hello\nworld\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log is %q, want hello and world", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r, err := sup.Logs(context.Background(), "a", transport.LogQuery{Tail: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	waitRun(t, ran)
	b, err := io.ReadAll(r)
	if err != nil || !strings.HasPrefix(string(b), "hello\nworld\n") {
		t.Fatalf("read after Run returned: %q, %v; want hello and world", b, err)
	}
}
