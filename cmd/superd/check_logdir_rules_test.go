//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckRefusesLogDirTheSinkRefuses: superd --check holds an existing
// log dir to the rules each service's logs are opened under. A log dir
// that every user (or another group) may write passed --check, then every
// service was refused at start ("services not created … can be written
// by other users").
func TestCheckRefusesLogDirTheSinkRefuses(t *testing.T) {
	dir := t.TempDir()
	conf := confWith(t, dir, "a.service", "[Service]\nExecStart=/bin/true\n")
	for _, tc := range []struct {
		name string
		mode os.FileMode
		gid  int
		want string // "" when it passes
	}{
		{"world-writable", 0o777, 0, "(mode 0777, gid 0) can be written by other users"},
		{"writable by another group", 0o775, 4242, "(mode 0775, gid 4242) can be written by other users"},
		{"sticky and world-writable", os.ModeSticky | 0o777, 0, ""}, // no one can swap what is not theirs
		{"root's group may write", 0o775, 0, ""},
		{"private", 0o700, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logDir := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.Mkdir(logDir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(logDir, 0, tc.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(logDir, tc.mode); err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				checkLogDir(t, conf, dir, logDir)
				return
			}
			checkLogDir(t, conf, dir, logDir, "--log-dir "+logDir, tc.want, "superd would run none of them with the log dir")
		})
	}
}

// TestCheckRefusesMissingLogDirUnderADirTheSinkRefuses: a log dir to be
// made, under a directory another user owns or every user may write,
// passed --check; superd then made it and ran no service (the rule of
// the directories above a log dir). The existing directories on the way
// to it are held to that rule now, as the ones above an existing log dir.
func TestCheckRefusesMissingLogDirUnderADirTheSinkRefuses(t *testing.T) {
	dir := t.TempDir()
	conf := confWith(t, dir, "a.service", "[Service]\nExecStart=/bin/true\n")
	for _, tc := range []struct {
		name     string
		mode     os.FileMode
		uid, gid int
		want     string // "" when it passes
	}{
		{"another user's", 0o755, 4242, 0, "belongs to uid 4242"},
		{"world-writable", 0o777, 0, 0, "can be written by other users"},
		{"writable by root's group", 0o775, 0, 0, ""}, // above the log dir, a group may write
		{"sticky and world-writable", os.ModeSticky | 0o777, 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			above := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.Mkdir(above, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(above, tc.uid, tc.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(above, tc.mode); err != nil {
				t.Fatal(err)
			}
			logDir := filepath.Join(above, "super", "logs")
			if tc.want == "" {
				checkLogDir(t, conf, dir, logDir)
				return
			}
			checkLogDir(t, conf, dir, logDir, "--log-dir "+logDir, above, tc.want)
			if _, err := os.Stat(filepath.Join(above, "super")); err == nil {
				t.Error("superd --check made a directory")
			}
		})
	}
}

// TestCheckReportsTheCommandLineDespiteABrokenConf: superd --check with
// an invalid superd.conf, or a config dir it refuses, also reports what
// the command line alone makes impossible (here a log dir every user may
// write). It stopped at the first, and the second came to light only
// once that was fixed.
func TestCheckReportsTheCommandLineDespiteABrokenConf(t *testing.T) {
	dir := t.TempDir()
	conf := confWith(t, dir, "superd.conf", "[Daemon]\nBogus=1\n")
	logDir := filepath.Join(dir, "logs")
	if err := os.Mkdir(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(logDir, 0o777); err != nil {
		t.Fatal(err)
	}
	args := []string{"--check", "--config-dir", conf, "--socket", filepath.Join(dir, "s.sock"), "--log-dir", logDir}
	code, stdout, stderr := runSuperd(t, args...)
	if code != 1 {
		t.Fatalf("superd --check: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, w := range []string{"Bogus", "--log-dir " + logDir, "can be written by other users"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("superd --check with a broken superd.conf: output lacks %q:\n%s", w, stderr)
		}
	}
	// A config dir superd refuses (every user may write it).
	if err := os.Remove(filepath.Join(conf, "superd.conf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(conf, 0o777); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runSuperd(t, args...)
	if code != 1 {
		t.Fatalf("superd --check: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, w := range []string{"config dir", "--log-dir " + logDir} {
		if !strings.Contains(stderr, w) {
			t.Errorf("superd --check with a refused config dir: output lacks %q:\n%s", w, stderr)
		}
	}
}

// confWith makes the config dir dir/etc holding the file name with body,
// and returns its path.
func confWith(t *testing.T, dir, name, body string) string {
	t.Helper()
	conf := filepath.Join(dir, "etc")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

// checkLogDir runs superd --check on the config dir conf, with its socket
// in dir and logDir as its log dir: with no want, it must pass; else fail,
// its output holding each of want.
func checkLogDir(t *testing.T, conf, dir, logDir string, want ...string) {
	t.Helper()
	code, stdout, stderr := runSuperd(t, "--check", "--config-dir", conf, "--socket", filepath.Join(dir, "s.sock"), "--log-dir", logDir)
	if len(want) == 0 {
		if code != 0 {
			t.Fatalf("superd --check: exit %d, want 0\n%s%s", code, stdout, stderr)
		}
		return
	}
	if code != 1 {
		t.Fatalf("superd --check: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("superd --check: output lacks %q:\n%s", w, stderr)
		}
	}
}
