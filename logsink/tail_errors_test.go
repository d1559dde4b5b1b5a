//go:build unix

package logsink

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestTailErrorWording checks what Tail says when it cannot read a log:
// a reader that does not follow never says "follow", and the package
// names itself once.
func TestTailErrorWording(t *testing.T) {
	t.Run("log dir is a file", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "svc")
		if err := os.WriteFile(dir, nil, 0o640); err != nil {
			t.Fatal(err)
		}
		_, err := Tail(context.Background(), filepath.Join(dir, "stdout.log"), TailOptions{Lines: 10})
		if err == nil {
			t.Fatal("Tail succeeded")
		}
		if strings.Contains(err.Error(), "follow") {
			t.Errorf("Tail without Follow = %q, which speaks of following", err)
		}
		if !strings.Contains(err.Error(), "not a directory") {
			t.Errorf("Tail = %q, want it to say not a directory", err)
		}
	})
	t.Run("named pipe", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "stdout.log")
		if err := syscall.Mkfifo(path, 0o640); err != nil {
			t.Skip("no FIFOs here:", err)
		}
		_, err := Tail(context.Background(), path, TailOptions{Lines: 10})
		if err == nil {
			t.Fatal("Tail succeeded")
		}
		if n := strings.Count(err.Error(), "logsink:"); n != 1 {
			t.Errorf("Tail = %q, names the package %d times", err, n)
		}
		if !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("Tail = %q, want it to say named pipe", err)
		}
	})
}
