//go:build linux

package main

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// superd refuses to replace a socket that another program listens on;
// superd --check passed it ("1 service file(s) valid", exit 0). The check
// now reports it, while a superd serving the socket (the check run before
// its restart) is still no problem.
func TestCheckReportsAnotherProgramOnTheSocket(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 60\n"})
	check := func() (string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), "--check",
			"--config-dir", d.dir, "--log-dir", d.logDir, "--socket", d.socket).CombinedOutput()
		return string(out), exitCode(err)
	}

	// A superd's own socket: the check passes.
	d.start()
	if out, code := check(); code != 0 {
		t.Fatalf("superd --check beside a running superd: exit %d, want 0\n%s", code, out)
	}
	if err := d.terminate(); err != nil {
		t.Fatal(err)
	}

	// Another program's.
	ln, err := net.Listen("unix", d.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, code := check()
	if code != 1 {
		t.Fatalf("superd --check with another program on the socket: exit %d, want 1\n%s", code, out)
	}
	for _, w := range []string{"--socket " + d.socket, "another program is listening on " + d.socket} {
		if !strings.Contains(out, w) {
			t.Errorf("superd --check: output lacks %q:\n%s", w, out)
		}
	}

	// Once it is gone, the socket it left is stale: superd replaces it.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if out, code := check(); code != 0 {
		t.Fatalf("superd --check with a stale socket: exit %d, want 0\n%s", code, out)
	}
}
