package transport

import (
	"strings"
	"testing"
	"time"
)

// A request whose answer is cut (a log read error, a token replaced, a
// panic) has its debug record too, as HandlerOptions.Logger promises one
// per request, and it says the answer was cut: --log-level debug showed
// nothing of such a request.
func TestHandlerCutAnswerHasItsDebugRecord(t *testing.T) {
	_, logs := logsCutByReadError(t)
	// The record is written as the handler unwinds, which the client's
	// error may come before.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var record string
		for line := range strings.Lines(logs.String()) {
			if strings.Contains(line, `msg="control request"`) && strings.Contains(line, "path=/v1/services/web/logs") {
				record = line
			}
		}
		if record != "" {
			if !strings.Contains(record, "level=DEBUG") || !strings.Contains(record, "cut=true") {
				t.Fatalf("record %q, want a debug record saying the answer was cut", record)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no debug record of the cut request:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
