//go:build linux

package actors

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A service a reload adds but cannot create (here: its log directory is
// one other users may write, which the log sink refuses) is reported as an
// error of its file, not as added, and in superd's log; once the cause is
// gone, the next reload creates it.
func TestReloadAddThatFailsIsLoggedAndRetried(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	var buf lockedBuffer
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.NewTextHandler(&buf, nil))}).sup
	ctx := t.Context()
	unsafe := uncreatableB(t, dir, logDir)
	res, err := sup.Reload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The reload answers once the creation is over: b is not added, but
	// an error of its file.
	if len(res.Added) != 0 || len(res.Errors) != 1 || res.Errors[0].File != filepath.Join(dir, "b.service") ||
		!strings.Contains(res.Errors[0].Message, "service b not created") || !strings.Contains(res.Errors[0].Message, unsafe) {
		t.Fatalf("first reload: %+v; want b not added, and an error of b.service naming %s", res, unsafe)
	}
	waitUntil(t, "the failure in the log", func() bool {
		return strings.Contains(buf.String(), "service not created") && strings.Contains(buf.String(), "service b")
	})

	if err := os.Chmod(unsafe, 0o750); err != nil {
		t.Fatal(err)
	}
	res, err = sup.Reload(ctx)
	if err != nil || len(res.Added) != 1 || res.Added[0] != "b" {
		t.Fatalf("second reload: %+v, %v; want b added", res, err)
	}
	waitUntil(t, "b running", func() bool {
		st, err := sup.Status(ctx, "b")
		return err == nil && st.State == StateRunning
	})
}
