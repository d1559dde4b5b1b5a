package transport

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// A token file removed between the stat that saw it change and its
// opening is one change, warned about once: it was warned about again at
// the next request, which found it missing.
func TestTCPTokenFileRemovedWhileLookedAt(t *testing.T) {
	file := writeTokenFile(t, testToken)
	logs := &syncBuffer{}
	s := newTokenSource(testToken, file, slog.New(slog.NewTextHandler(logs, nil)))
	renewInPlace(t, file, []byte(tokenB+"\n"))
	s.load = func(path string) (string, error) {
		// Removed after the stat that saw the change.
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		_, err := os.Open(path)
		return "", fmt.Errorf("reading token: %w", err)
	}
	if !s.check(testToken) {
		t.Fatal("the token in force was refused")
	}
	s.load = loadToken
	for range 3 {
		if !s.check(testToken) || s.check(tokenB) {
			t.Fatal("the token in force changed, its file gone")
		}
	}
	if n := strings.Count(logs.String(), tokenKeptLog); n != 1 {
		t.Errorf("%d warnings, want 1 (one per change):\n%s", n, logs)
	}
	replaceFile(t, file, tokenC+"\n", 0o600)
	if !s.check(tokenC) || s.check(testToken) {
		t.Error("the file written again is not read")
	}
}
