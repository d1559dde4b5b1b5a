//go:build linux

package actors

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// uncreatableB makes service b impossible to create: its log directory in
// logDir is one other users may write, which the log sink refuses. It
// writes b.service in dir, unless dir is "", and returns the log directory.
func uncreatableB(t *testing.T, dir, logDir string) string {
	t.Helper()
	unsafe := filepath.Join(logDir, "b")
	if err := os.Mkdir(unsafe, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(unsafe, 0o777); err != nil {
		t.Fatal(err)
	}
	if dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "b.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return unsafe
}

// A start of a service superd loads on demand but cannot create (here: its
// log directory is one other users may write, which the log sink refuses)
// fails with the cause, once: it used to be handed back to the config
// actor, which had just forgotten the name, loaded the file again and
// created it again, for ever, at thousands of log lines a second.
func TestStartOnDemandThatCannotBeCreatedFailsOnce(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	var buf lockedBuffer
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.NewTextHandler(&buf, nil))}).sup
	ctx := t.Context()
	unsafe := uncreatableB(t, dir, logDir)

	for _, op := range []struct {
		name string
		do   func(context.Context, string) (transport.ServiceStatus, error)
	}{{"start", sup.Start}, {"restart", sup.Restart}} {
		opCtx, opCancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := op.do(opCtx, "b")
		timedOut := opCtx.Err() != nil
		opCancel()
		if err == nil || timedOut || !strings.Contains(err.Error(), "not created") || !strings.Contains(err.Error(), unsafe) {
			t.Fatalf("%s b: %v; want an error that says b was not created and names %s", op.name, err, unsafe)
		}
		// As for any other command on it (a 404, supers's exit 4): not
		// a 500, as for a bug of superd's.
		if !errors.Is(err, transport.ErrUnknownService) {
			t.Errorf("%s b: %v; want it to match ErrUnknownService", op.name, err)
		}
	}
	// Nothing goes on behind the failed commands.
	lines := strings.Count(buf.String(), "loaded on demand")
	if lines != 2 {
		t.Fatalf("%d loads on demand logged, want 2 (one per command):\n%s", lines, buf.String())
	}

	// Once the cause is gone, a start creates and starts it.
	if err := os.Chmod(unsafe, 0o750); err != nil {
		t.Fatal(err)
	}
	if st, err := sup.Start(ctx, "b"); err != nil || st.State != StateRunning {
		t.Fatalf("start b after the fix: %+v, %v", st, err)
	}
}

// A definition written through the API (supers apply) for a service that
// cannot be created is answered with the reason, not "created".
func TestPutDefinitionThatCannotBeCreatedSaysSo(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.DiscardHandler)}).sup
	ctx := t.Context()
	unsafe := uncreatableB(t, "", logDir)
	def := []byte("[Service]\nExecStart=/bin/sleep 1000\n")
	opCtx, opCancel := context.WithTimeout(ctx, 10*time.Second)
	defer opCancel()
	res, err := sup.PutDefinition(opCtx, "b", def, transport.WriteOptions{Caller: transport.Caller{UID: -1}})
	if err == nil || !strings.Contains(err.Error(), "service b not created") || !strings.Contains(err.Error(), unsafe) {
		t.Fatalf("PutDefinition b: %+v, %v; want an error saying b was not created, naming %s", res, err, unsafe)
	}
	if _, err := sup.Status(ctx, "b"); err == nil {
		t.Error("b exists")
	}
	// Once the cause is gone, a start loads and runs it.
	if err := os.Chmod(unsafe, 0o750); err != nil {
		t.Fatal(err)
	}
	if st, err := sup.Start(ctx, "b"); err != nil || st.State != StateRunning {
		t.Fatalf("start b after the fix: %+v, %v", st, err)
	}
}

// "superd ready" counts the services created, not those it tried: one
// whose log directory is refused is not among them.
func TestReadyCountsCreatedServices(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	uncreatableB(t, dir, logDir)
	if err := os.WriteFile(filepath.Join(dir, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf lockedBuffer
	lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, `msg="superd ready"`) {
			if !strings.Contains(line, " services=1 ") {
				t.Errorf("%s\nwant services=1 (a; b could not be created)", line)
			}
			return
		}
	}
	t.Fatalf("no ready record:\n%s", buf.String())
}
