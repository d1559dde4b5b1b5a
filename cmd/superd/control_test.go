//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With --http and a config dir superd cannot write (read-only mount, or
// not writable by superd's user), the default token file cannot be
// created: superd refuses to start, with one line naming the file, the
// cause and the remedy.
func TestControlHTTPReadOnlyConfigDir(t *testing.T) {
	d := newDaemon(t, map[string]string{"s.service": "[Service]\nExecStart=sleep 60\n"})
	d.withHTTP()
	cause := "permission denied"
	if os.Geteuid() == 0 {
		// Root writes anywhere the mount allows: make the config dir a
		// read-only bind mount, in a mount namespace of superd's own.
		for _, prog := range []string{"unshare", "mount"} {
			if _, err := exec.LookPath(prog); err != nil {
				t.Skipf("needs %s: %v", prog, err)
			}
		}
		probe := exec.Command("unshare", "-m", "sh", "-c", `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0"`, d.dir)
		if out, err := probe.CombinedOutput(); err != nil {
			t.Skipf("cannot make a read-only bind mount: %v: %s", err, out)
		}
		cause = "read-only file system"
		d.prepare = func(cmd *exec.Cmd) {
			script := `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"`
			// cmd.Args[0] is the path of the superd binary.
			cmd.Args = append([]string{"unshare", "-m", "sh", "-c", script, d.dir}, cmd.Args...)
			cmd.Path, _ = exec.LookPath("unshare")
		}
	} else {
		if err := os.Chmod(d.dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(d.dir, 0o755) })
	}
	d.launch()
	select {
	case <-d.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("superd started without its token file\n%s", d.stderr.String())
	}
	var exitErr *exec.ExitError
	if !errors.As(d.exitErr, &exitErr) || exitErr.ExitCode() != 1 {
		t.Errorf("superd exited with %v, want status 1", d.exitErr)
	}
	var failed string
	for line := range strings.Lines(d.stderr.String()) {
		if strings.Contains(line, `msg="superd failed"`) {
			failed = line
		}
	}
	file := filepath.Join(d.dir, "http.token")
	for _, want := range []string{file + ":", cause, "--http-token-file", "HTTPTokenFile="} {
		if !strings.Contains(failed, want) {
			t.Errorf("the failure %q does not say %q\n%s", failed, want, d.stderr.String())
		}
	}
	if _, err := os.Lstat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file: %v, want none", err)
	}
}

// superd's "ready" line gives the address of the HTTP API, with the port
// the system chose for --http 127.0.0.1:0.
func TestControlReadyLineHasHTTPAddr(t *testing.T) {
	d := newDaemon(t, nil).withHTTP()
	d.start()
	a := d.tcpAPI() // the address from the "HTTP API listening" line
	want := "http=" + strings.TrimPrefix(a.base, "http://")
	waitFor(t, 10*time.Second, "superd's ready line", func() bool {
		return strings.Contains(d.stderr.String(), `msg="superd ready"`)
	})
	for line := range strings.Lines(d.stderr.String()) {
		if strings.Contains(line, `msg="superd ready"`) && !strings.Contains(line, want) {
			t.Errorf("ready line %q does not say %s", line, want)
		}
	}
}

// A malformed --http address (a port without its host) is refused before
// anything is created, as a usage error (exit 2): no token file is left
// behind in the config dir.
func TestControlBadHTTPAddrLeavesNoTokenFile(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "superd"), "--config-dir", dir, "--socket", filepath.Join(dir, "s.sock"), "--http", "8080")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 2 || !strings.Contains(string(out), `--http: "8080": missing port in address`) {
		t.Fatalf("superd --http 8080: exit %d, %v\n%s", code, err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "http.token")); !os.IsNotExist(err) {
		t.Errorf("a token file was created for an API that could not be served: %v", err)
	}
}
