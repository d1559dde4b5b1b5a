//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// waitingForReady reports whether some goroutine waits in the
// Supervisor for Run to be ready.
func waitingForReady() bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Contains(string(buf[:n]), "actors.(*Supervisor).wait(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// A definition write made before Run is ready waits for it, and is then
// held to the same access rules as one made afterwards. Its rule was
// computed at once, before Run had resolved the socket group: a client of
// the HTTP API (here, an embedding program's own TCPHandler) could write
// a definition that runs in the socket group, whose members may write root
// services (SocketAllowRootServices), which it is refused once Run is
// ready; and the read of the group raced with Run's write of it.
func TestEmbedDefinitionWriteBeforeReadyKeepsSocketGroupRule(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the socket is given a group")
	}
	group := ""
	for _, name := range []string{"daemon", "users", "nogroup"} {
		if _, err := user.LookupGroup(name); err == nil {
			group = name
			break
		}
	}
	if group == "" {
		t.Skip("no group to give the socket")
	}
	dir := t.TempDir()
	// The socket's group must be able to reach it.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	confDir := filepath.Join(dir, "etc")
	if err := os.Mkdir(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	sup, err := actors.New(actors.Config{
		ConfigDir:               confDir,
		LogDir:                  filepath.Join(dir, "logs"),
		Socket:                  filepath.Join(dir, "s.sock"),
		SocketGroup:             group,
		SocketAllowRootServices: true,
		AllowRemoteEdit:         true,
	})
	if err != nil {
		t.Fatal(err)
	}
	def := []byte("[Service]\nExecStart=/bin/sleep 60\nUser=nobody\nGroup=" + group + "\nAutoStart=no\n")
	remote := transport.WriteOptions{Caller: transport.Caller{Remote: true}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	early := make(chan error, 1)
	go func() {
		_, err := sup.PutDefinition(ctx, "early", def, remote)
		early <- err
	}()
	// The write waits for Run before Run has started.
	for !waitingForReady() {
		select {
		case err := <-early:
			t.Fatalf("PutDefinition before Run returned %v", err)
		case <-ctx.Done():
			t.Fatal("PutDefinition does not wait for Run")
		case <-time.After(time.Millisecond):
		}
	}

	runCtx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	select {
	case <-sup.Ready():
	case err := <-ran:
		ran <- err // for the deferred wait
		t.Fatalf("Run: %v", err)
	}

	// Once ready, such a write is refused...
	if _, err := sup.PutDefinition(ctx, "late", def, remote); !errors.Is(err, transport.ErrForbidden) {
		t.Fatalf("PutDefinition after Ready = %v, want ErrForbidden", err)
	}
	// ...and so is the one made before.
	select {
	case err := <-early:
		if !errors.Is(err, transport.ErrForbidden) {
			t.Errorf("PutDefinition made before Ready = %v, want ErrForbidden", err)
		}
	case <-ctx.Done():
		t.Fatal("PutDefinition made before Ready did not return")
	}
	if _, err := os.Stat(filepath.Join(confDir, "early.service")); err == nil {
		t.Error("the definition written before Ready is in the config dir")
	}
}
