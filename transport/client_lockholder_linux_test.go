package transport

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/supers-dev/supers/config/flock"
)

// A superd shutting down removes its socket first, and stops its services
// (as long as their TimeoutStopSec=) before it exits, holding the
// socket's lock until then; one starting takes the lock before it makes
// the socket. A client that found no socket said "is superd running?" of
// a superd that was: it names the process that holds the lock.
func TestUnreachableNamesTheLockHolder(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "superd.sock")
	c := NewClient(sock)
	_, err := c.List(t.Context())
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.LockHolder != 0 || !strings.Contains(err.Error(), "is superd running?") {
		t.Fatalf("List with no socket and no lock: %v, want UnreachableError asking whether superd runs", err)
	}
	f, err := os.OpenFile(sock+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := flock.TryLock(f); err != nil {
		t.Fatal(err)
	}
	_, err = c.List(t.Context())
	if !errors.As(err, &ue) || ue.LockHolder != os.Getpid() ||
		!strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) || strings.Contains(err.Error(), "is superd running?") {
		t.Fatalf("List with no socket, its lock held by pid %d: %v, want UnreachableError naming the holder", os.Getpid(), err)
	}
}
