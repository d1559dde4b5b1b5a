//go:build linux

// Package systemd_test checks `make install` and the systemd unit it
// installs (superd.service in this directory).
package systemd_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repoRoot is where the Makefile is, from this package's directory.
const repoRoot = "../.."

// makeIn runs make in the repository with args and returns its output.
func makeIn(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	cmd := exec.Command("make", append([]string{"-C", repoRoot, "--no-print-directory"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// unitValue returns the value of the first KEY= line of unit.
func unitValue(t *testing.T, unit, key string) string {
	t.Helper()
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	t.Fatalf("unit has no %s=:\n%s", key, unit)
	return ""
}

// mode returns the permission bits of path.
func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

// TestMakeInstall installs into a temporary prefix (binaries built into a
// temporary BIN, so the checkout is left alone), runs the installed
// programs, checks the unit (with systemd-analyze verify where systemd is
// installed), stages the same install under DESTDIR, and uninstalls.
func TestMakeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds superd and supers")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "build")
	prefix := filepath.Join(tmp, "usr")
	confDir := filepath.Join(tmp, "etc", "super")
	vars := []string{"BIN=" + bin, "PREFIX=" + prefix, "CONFDIR=" + confDir, "VERSION=v-install-test"}
	// install does not build (as root, go is often not on the PATH): it
	// refuses until make build has run.
	cmd := exec.Command("make", append([]string{"-C", repoRoot, "--no-print-directory", "install"}, vars...)...)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "run 'make build' first") {
		t.Fatalf("make install before make build: %v\n%s\nwant a failure that says to run make build", err, out)
	}
	makeIn(t, append([]string{"build"}, vars...)...)
	makeIn(t, append([]string{"install"}, vars...)...)

	superd := filepath.Join(prefix, "bin", "superd")
	supers := filepath.Join(prefix, "bin", "supers")
	unitPath := filepath.Join(prefix, "lib", "systemd", "system", "superd.service")
	for _, p := range []string{superd, supers} {
		if m := mode(t, p); m.Perm() != 0o755 {
			t.Errorf("%s: mode %v, want 0755", p, m)
		}
	}
	if m := mode(t, unitPath); m.Perm() != 0o644 {
		t.Errorf("%s: mode %v, want 0644", unitPath, m)
	}
	if m := mode(t, confDir); !m.IsDir() {
		t.Errorf("%s is not a directory", confDir)
	}

	// The installed binaries are the ones just built, with the version
	// given to make.
	for _, p := range []string{superd, supers} {
		out, err := exec.Command(p, "--help").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --help: %v\n%s", p, err, out)
		}
	}
	for _, p := range []string{superd, supers} {
		out, err := exec.Command(p, "--version").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "v-install-test") {
			t.Errorf("%s --version = %q, %v; want the version given to make", p, out, err)
		}
	}

	raw, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	unit := string(raw)
	if strings.Contains(unit, "@BINDIR@") || strings.Contains(unit, "@CONFDIR@") {
		t.Errorf("unit still has @BINDIR@ or @CONFDIR@:\n%s", unit)
	}
	// The config dir given to make, which it created, is the one superd
	// runs on.
	execStart := superd + " --config-dir " + confDir
	if got := unitValue(t, unit, "ExecStart"); got != execStart {
		t.Errorf("ExecStart=%s, want %s", got, execStart)
	}
	// superd says when its services run (sd_notify READY=1).
	if got := unitValue(t, unit, "Type"); got != "notify" {
		t.Errorf("Type=%s, want notify", got)
	}
	// superd stops its services itself: systemd must signal superd alone.
	if got := unitValue(t, unit, "KillMode"); got != "mixed" {
		t.Errorf("KillMode=%s, want mixed", got)
	}
	// A service the kernel's OOM killer ends is a crash of that service,
	// not a reason for systemd to stop superd and every service with it.
	if got := unitValue(t, unit, "OOMPolicy"); got != "continue" {
		t.Errorf("OOMPolicy=%s, want continue", got)
	}
	// The services may need the network, remote file systems and user
	// lookups at boot, and until they are stopped at shutdown.
	after := strings.Fields(unitValue(t, unit, "After"))
	for _, want := range []string{"network.target", "remote-fs.target", "nss-user-lookup.target"} {
		if !slices.Contains(after, want) {
			t.Errorf("After=%s, want %s among them", strings.Join(after, " "), want)
		}
	}
	// The services' tasks are counted together in the unit: systemd's
	// default limit (15% of pid_max) would be shared by all of them.
	if got := unitValue(t, unit, "TasksMax"); got != "infinity" {
		t.Errorf("TasksMax=%s, want infinity", got)
	}
	// systemctl reload is a SIGHUP, which superd takes as a reload.
	if got := unitValue(t, unit, "ExecReload"); got != "/bin/kill -HUP $MAINPID" {
		t.Errorf("ExecReload=%s", got)
	}
	if analyze, err := exec.LookPath("systemd-analyze"); err == nil {
		cmd := exec.Command(analyze, "verify", unitPath)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		// It only warns of a setting it cannot parse, and exits 0.
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, stderr.String())
		}
	} else {
		t.Log("systemd-analyze not installed: the unit's syntax is not verified")
	}

	// Packaging: the same tree under DESTDIR, with the final paths in the
	// unit.
	dest := filepath.Join(tmp, "stage")
	// A config dir that exists already is left as it is: an operator who
	// made it private (service files may hold secrets in Environment=)
	// keeps it private after an upgrade.
	stagedConf := filepath.Join(dest, confDir)
	if err := os.MkdirAll(stagedConf, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(stagedConf, 0o700); err != nil {
		t.Fatal(err)
	}
	makeIn(t, append([]string{"install", "DESTDIR=" + dest}, vars...)...)
	if m := mode(t, stagedConf); m.Perm() != 0o700 {
		t.Errorf("make install over an existing config dir of mode 0700 made it %v", m.Perm())
	}
	staged, err := os.ReadFile(filepath.Join(dest, unitPath))
	if err != nil {
		t.Fatal(err)
	}
	if got := unitValue(t, string(staged), "ExecStart"); got != execStart {
		t.Errorf("staged ExecStart=%s, want %s (without DESTDIR)", got, execStart)
	}
	if _, err := os.Stat(filepath.Join(dest, superd)); err != nil {
		t.Errorf("staged superd: %v", err)
	}

	// A service the user put in the config dir survives uninstall.
	service := filepath.Join(confDir, "web.service")
	if err := os.WriteFile(service, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	makeIn(t, append([]string{"uninstall"}, vars...)...)
	for _, p := range []string{superd, supers, unitPath} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("after uninstall, %s: %v (want it gone)", p, err)
		}
	}
	if _, err := os.Stat(service); err != nil {
		t.Errorf("uninstall touched the config dir: %v", err)
	}
}
