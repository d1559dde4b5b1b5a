//go:build unix

package transport

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A token file that is a FIFO is refused at once: opening it must not wait
// for a writer, or superd would hang at start, deaf to SIGTERM.
func TestLoadOrCreateTokenFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := LoadOrCreateToken(path)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("LoadOrCreateToken(FIFO) = %v, want an error: not a regular file", err)
		}
	case <-time.After(10 * time.Second):
		// Release the blocked open, so that the goroutine ends.
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			_ = f.Close()
		}
		<-done
		t.Fatal("LoadOrCreateToken blocked on a FIFO")
	}
}
