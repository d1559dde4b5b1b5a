//go:build unix

package transport

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSocketPathTooLong: a socket path longer than the kernel accepts is
// reported as such, with its length and the limit, by superd's side
// (ListenUnix) and by the client's, which must not ask whether superd is
// running nor say "invalid argument".
func TestSocketPathTooLong(t *testing.T) {
	dir := shortTempDir(t)
	path := filepath.Join(dir, strings.Repeat("x", 120)+".sock")
	wants := []string{"too long", strconv.Itoa(len(path)) + " bytes", strconv.Itoa(maxSocketPathLen) + "-byte limit", "shorter"}

	ln, err := ListenUnix(path)
	if err == nil {
		ln.Close()
		t.Fatal("ListenUnix succeeded")
	}
	for _, want := range append(wants, path) {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ListenUnix: %q lacks %q", err, want)
		}
	}

	_, err = NewClient(path).Version(t.Context())
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("client: got %v, want an *UnreachableError", err)
	}
	msg := err.Error()
	for _, want := range wants {
		if !strings.Contains(msg, want) {
			t.Errorf("client: %q lacks %q", msg, want)
		}
	}
	for _, bad := range []string{"is superd running", "invalid argument"} {
		if strings.Contains(msg, bad) {
			t.Errorf("client: %q says %q", msg, bad)
		}
	}
}

// TestSocketPathAtLimit: a path of exactly the limit works on both sides.
func TestSocketPathAtLimit(t *testing.T) {
	dir := shortTempDir(t)
	pad := maxSocketPathLen - len(dir) - len("/.sock")
	if pad < 1 {
		t.Skipf("temp dir %s too long", dir)
	}
	path := filepath.Join(dir, strings.Repeat("y", pad)+".sock")
	if len(path) != maxSocketPathLen {
		t.Fatalf("path of %d bytes, want %d", len(path), maxSocketPathLen)
	}
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, ln, NewHandler(newFakeBackend(), HandlerOptions{}))
	pingSocket(t, path)
}
