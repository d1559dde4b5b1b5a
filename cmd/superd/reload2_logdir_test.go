//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// TestReloadKeepsAChangedServiceWhoseLogDirIsRefused: a service whose file
// changed, and whose log directory superd would refuse now (other users
// may write it), is not replaced by a reload: it goes on as it was, and
// the reload reports the file's error; once the directory is fixed, the
// next reload applies the change. The reload said "changed: a" and exited
// 0, while it stopped the service and could not create the new one: the
// service was gone.
func TestReloadKeepsAChangedServiceWhoseLogDirIsRefused(t *testing.T) {
	t.Parallel()
	d, before, logs := runningWithUnsafeLogDir(t)
	d.writeFile("a.service", "[Service]\nExecStart=/bin/sleep 1002\n")

	out, errs, code := d.cli("reload")
	if all := out + errs; code == 0 || strings.Contains(all, "changed: a") || !strings.Contains(all, "a.service: not applied") || !strings.Contains(all, "can be written by other users") {
		t.Fatalf("reload with a's log dir refused: exit %d\nstdout: %s\nstderr: %s\nwant an error of a.service naming its log directory, a not changed", code, out, errs)
	}
	if st := d.status("a"); st.State != "running" || st.PID != before.PID {
		t.Fatalf("a after the reload: %s pid %d; want still running as pid %d", st.State, st.PID, before.PID)
	}

	if err := os.Chmod(logs, 0o750); err != nil {
		t.Fatal(err)
	}
	if out := d.mustCLI("reload"); !strings.Contains(out, "changed: a") {
		t.Fatalf("reload once the log dir is fixed: %s; want a changed", out)
	}
	d.waitSleeping("a running its new command", "a", "1002")
}

// TestApplyRefusesAChangeWhoseLogDirIsRefused: a definition written
// through the API (supers apply) that changes a service whose log
// directory superd would refuse now is refused, nothing written, and the
// service goes on as it was. It was written and applied: the service was
// stopped, the new one not created.
func TestApplyRefusesAChangeWhoseLogDirIsRefused(t *testing.T) {
	t.Parallel()
	d, before, _ := runningWithUnsafeLogDir(t)
	def := filepath.Join(t.TempDir(), "a.service")
	if err := os.WriteFile(def, []byte("[Service]\nExecStart=/bin/sleep 1002\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := d.cli("apply", def)
	if all := out + errs; code == 0 || !strings.Contains(all, "can be written by other users") || !strings.Contains(all, "nothing was written") {
		t.Fatalf("apply with a's log dir refused: exit %d\nstdout: %s\nstderr: %s\nwant a refusal naming its log directory", code, out, errs)
	}
	if b, err := os.ReadFile(filepath.Join(d.dir, "a.service")); err != nil || !strings.Contains(string(b), "sleep 1001") {
		t.Fatalf("a.service after the refused apply: %q, %v; want it as it was", b, err)
	}
	if st := d.status("a"); st.State != "running" || st.PID != before.PID {
		t.Fatalf("a after the refused apply: %s pid %d; want still running as pid %d", st.State, st.PID, before.PID)
	}
}

// runningWithUnsafeLogDir starts superd with service a (sleep 1001), then
// makes a's log directory one superd would refuse now (other users may
// write it). It returns the daemon, a's status, and that directory.
func runningWithUnsafeLogDir(t *testing.T) (*daemon, transport.ServiceStatus, string) {
	t.Helper()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1001\n"})
	d.start()
	before := d.waitRunning("a")
	logs := filepath.Join(d.logDir, "a")
	if err := os.Chmod(logs, 0o777); err != nil {
		t.Fatal(err)
	}
	return d, before, logs
}
