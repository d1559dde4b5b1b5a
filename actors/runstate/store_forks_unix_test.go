//go:build unix

package runstate

import (
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// A Store closed while this process forks children (a service's start, or
// any fork of a program embedding a Supervisor) leaves its lock to the next
// Open of the same file: a child holds a copy of the lock's descriptor
// from its fork to its exec, and Open used to refuse the file then, as in
// use by another supervisor.
func TestReopenWhileForking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "superd.state")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = exec.Command("/bin/true").Run()
			}
		})
	}
	defer wg.Wait()
	defer close(stop)
	for i := range 200 {
		s, _, err := Open(path, nil)
		if err != nil {
			t.Fatalf("Open %d, after the Close of the previous Store: %v", i+1, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
