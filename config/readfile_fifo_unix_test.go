//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestReadFileNeverBlocksOnFIFO checks that readFile never blocks when the
// path turns into a FIFO between its check and its open: an
// EnvironmentFile= in a directory its service's user controls could
// otherwise hang superd's reload (opening a FIFO for reading waits for a
// writer). A goroutine keeps swapping a regular file and a FIFO under the
// path while readFile reads it.
func TestReadFileNeverBlocksOnFIFO(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.env")
	reg, fifo := filepath.Join(dir, "reg"), filepath.Join(dir, "fifo")
	if err := os.WriteFile(reg, []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tmp := filepath.Join(dir, "tmp")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			src := reg
			if i%2 == 1 {
				src = fifo
			}
			_ = os.Remove(tmp)
			if err := os.Link(src, tmp); err == nil {
				_ = os.Rename(tmp, path)
			}
		}
	})
	// A read that blocks on the FIFO is released by a writer that opens and
	// closes it, so that the test ends either way.
	release := func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	deadline := time.Now().Add(1500 * time.Millisecond)
	reads, fifos := 0, 0
	for time.Now().Before(deadline) {
		done := make(chan error, 1)
		go func() {
			_, err := readFile(path)
			done <- err
		}()
		select {
		case err := <-done:
			reads++
			if errors.Is(err, ErrNotRegular) {
				fifos++
			}
		case <-time.After(10 * time.Second):
			for {
				release()
				select {
				case <-done:
				case <-time.After(10 * time.Millisecond):
					continue
				}
				break
			}
			t.Fatalf("readFile blocked on a FIFO (after %d reads)", reads)
		}
	}
	t.Logf("%d reads, %d saw the FIFO", reads, fifos)
}
