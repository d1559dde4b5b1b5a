//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A service file that is valid but whose start would fail on this machine
// (its program missing or not executable, its working directory missing,
// its User= unknown) fails `supers check` and `superd --check`, each named
// with its file, line and key, instead of "configuration OK" and a backoff at
// the first start. What is fixed on the machine passes the next check.
func TestCheckFindsWhatWouldFailToStart(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"ok.service":       "[Service]\nExecStart=sleep 60\n",
		"noprog.service":   "[Service]\nExecStart=/nonexistent/prog --flag\nAutoStart=no\n",
		"nopath.service":   "[Service]\nExecStart=no-such-program-xyz\nAutoStart=no\n",
		"nodir.service":    "[Service]\nExecStart=/bin/sleep 60\nWorkingDirectory=/nonexistent/dir\nAutoStart=no\n",
		"nouser.service":   "[Service]\nExecStart=/bin/sleep 60\nUser=no-such-user-xyz\nAutoStart=no\n",
		"notexec.service":  "[Service]\nExecStart=" + "%DIR%/plain" + "\nAutoStart=no\n",
		"nointerp.service": "[Service]\nExecStart=" + "%DIR%/script" + "\nAutoStart=no\n",
	})
	for _, f := range []string{"notexec.service", "nointerp.service"} {
		b, err := os.ReadFile(filepath.Join(d.dir, f))
		if err != nil {
			t.Fatal(err)
		}
		d.writeFile(f, strings.ReplaceAll(string(b), "%DIR%", d.dir))
	}
	plain, script := filepath.Join(d.dir, "plain"), filepath.Join(d.dir, "script")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte("#!/nonexistent/interpreter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	d.start()
	d.waitRunning("ok")

	want := []string{
		"noprog.service:2: [Service] ExecStart: exec \"/nonexistent/prog\": no such file or directory",
		"nopath.service:2: [Service] ExecStart: lookup \"no-such-program-xyz\": executable file not found in PATH",
		"nodir.service:3: [Service] WorkingDirectory: chdir \"/nonexistent/dir\": no such file or directory",
		"nouser.service:3: [Service] User: user \"no-such-user-xyz\"",
		"notexec.service:2: [Service] ExecStart: exec \"" + plain + "\": permission denied (mode -rw-r--r--: not executable by the service's user)",
		"nointerp.service:2: [Service] ExecStart: exec \"" + script + "\": interpreter \"/nonexistent/interpreter\": no such file or directory",
	}
	checkOutput := func(what, out string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", what, w, out)
			}
		}
		if strings.Contains(out, "ok.service") {
			t.Errorf("%s: ok.service reported:\n%s", what, out)
		}
	}
	out, errs, code := d.cli("check")
	if code != 1 {
		t.Errorf("supers check: exit %d, want 1; stdout %q", code, out)
	}
	checkOutput("supers check", out+errs)
	code, stdout, stderr := runSuperd(t, "--check", "--config-dir", d.dir, "--socket", filepath.Join(t.TempDir(), "s.sock"))
	if code != 1 || !strings.Contains(stderr, ": 0 service file(s) invalid, 7 valid (6 of them could not start on this machine now)") {
		t.Errorf("superd --check: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	checkOutput("superd --check", stderr)

	// Fixed on the machine, or removed: the check passes.
	if err := os.Chmod(plain, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"noprog", "nopath", "nodir", "nouser"} {
		if err := os.Remove(filepath.Join(d.dir, f+".service")); err != nil {
			t.Fatal(err)
		}
	}
	if out, errs, code := d.cli("check"); code != 0 || !strings.Contains(out, "configuration OK") {
		t.Errorf("supers check once fixed: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, stdout, stderr := runSuperd(t, "--check", "--config-dir", d.dir, "--socket", filepath.Join(t.TempDir(), "s.sock")); code != 0 {
		t.Errorf("superd --check once fixed: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// A definition written whose start would fail on this machine (its program
// missing) is written and created, as before, but `supers apply` says why
// its start will fail, and the API's answer lists it; one that can start
// has no warning. supers edit prints the same lines (writeDefinitionResult).
func TestApplyWarnsOfWhatWouldFailToStart(t *testing.T) {
	d := newDaemon(t, nil)
	d.start()
	src := t.TempDir()
	bad, good := filepath.Join(src, "bad.service"), filepath.Join(src, "good.service")
	if err := os.WriteFile(bad, []byte("[Service]\nAutoStart=no\nExecStart=/nonexistent/prog\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("[Service]\nExecStart=sleep 60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := d.cli("apply", bad, good)
	want := "bad: created\nwarning: " + filepath.Join(d.dir, "bad.service") + ":3: [Service] ExecStart: exec \"/nonexistent/prog\": no such file or directory (a start would fail on this machine now)\ngood: created\n"
	if code != 0 || out != want || errs != "" {
		t.Errorf("apply: exit %d, stdout %q, stderr %q\nwant stdout %q", code, out, errs, want)
	}
	d.waitRunning("good")
	var res []struct {
		Name     string   `json:"name"`
		Action   string   `json:"action"`
		Warnings []string `json:"warnings"`
	}
	if code := d.cliJSON(&res, "apply", bad, good); code != 0 || len(res) != 2 ||
		res[0].Action != "unchanged" || len(res[0].Warnings) != 1 || !strings.Contains(res[0].Warnings[0], "/nonexistent/prog") ||
		res[1].Action != "unchanged" || res[1].Warnings != nil {
		t.Errorf("apply --json: exit %d, %+v", code, res)
	}
}
