//go:build linux

package actors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// maxStreamLine is the longest line the client of the event stream
// (transport.Client.Events, behind supers events) accepts.
const maxStreamLine = 1 << 20

// TestConfigErrorEventFitsTheStream: a service file with many errors (a
// duration key given 60 KiB of quotes, which each error quoted again, and
// JSON escaped once more) gave a config-error event of megabytes:
// "supers events" then failed with "a line exceeds 1048576 bytes", showing
// none of the events after it, for as long as superd's history kept it
// (and -f died on it). An event's reason is bounded, and says it was cut.
// Long values and key names are quoted shortened now, but each error still
// names its file: here, fifty errors in a config dir with a path of 3 KB.
func TestConfigErrorEventFitsTheStream(t *testing.T) {
	var b strings.Builder
	b.WriteString("[Service]\nExecStart=/bin/sleep 100\nAutoStart=no\n")
	for i := range 60 {
		fmt.Fprintf(&b, "Unknown%dxxx=1\n", i)
	}
	dir := t.TempDir()
	for range 12 {
		dir = filepath.Join(dir, strings.Repeat("d", 250))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sup := embeddedOn(t, dir, map[string]string{"big.service": b.String()})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The config-error of a file found at start is published once the
	// supervisor runs: wait for it.
	var history []notify.Event
	eventually(t, "the config-error event of big.service", func() bool {
		stream, err := sup.Events(ctx, "big", false)
		if err != nil {
			t.Fatal(err)
		}
		history = stream.History
		return slices.ContainsFunc(history, func(e notify.Event) bool { return e.Type == notify.TypeConfigError })
	})
	for _, e := range history {
		line, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if len(line) >= maxStreamLine {
			t.Errorf("%s event of %d bytes: the event stream's client refuses lines of %d bytes or more", e.Type, len(line), maxStreamLine)
		}
		if e.Type != notify.TypeConfigError {
			continue
		}
		if !strings.Contains(e.Reason, "Unknown0x") || !strings.Contains(e.Reason, "bytes cut)") {
			t.Errorf("reason of %d bytes %.200q...%q: want the first errors, then how much was cut", len(e.Reason), e.Reason, e.Reason[max(0, len(e.Reason)-100):])
		}
	}
}
