//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/supers-dev/supers/logsink"
)

// TestCheckRefusesServiceLogDirThatIsDanglingLinkOrFile: superd --check
// passed a service whose log directory (LOGDIR/NAME) was a symbolic link
// to a missing directory, or a regular file, since it looked no further
// once something was at that path; superd then did not run the service
// ("services not created ... create log directory: ..."). The check now
// refuses both, as the log sink does when it opens the logs: the link
// and its target, or "not a directory". Once the target is made, or the
// file replaced by a directory, it passes.
func TestCheckRefusesServiceLogDirThatIsDanglingLinkOrFile(t *testing.T) {
	t.Parallel()
	t.Run("dangling link", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		conf, logs := serviceAndLogDir(t, dir)
		link, target := filepath.Join(logs, "a"), filepath.Join(dir, "nowhere")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		checkLogDir(t, conf, dir, logs, "a.service", link+" is a symbolic link to "+target+", which does not exist: create it", "(1 of them could not start on this machine now)")
		if _, err := os.Lstat(target); err == nil {
			t.Error("the link's target was made")
		}
		if err := os.Mkdir(target, 0o755); err != nil {
			t.Fatal(err)
		}
		checkLogDir(t, conf, dir, logs)
	})
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		conf, logs := serviceAndLogDir(t, dir)
		file := filepath.Join(logs, "a")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		checkLogDir(t, conf, dir, logs, "a.service", file+": not a directory", "(1 of them could not start on this machine now)")
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(file, 0o755); err != nil {
			t.Fatal(err)
		}
		checkLogDir(t, conf, dir, logs)
	})
}

// TestCheckRefusesServiceLogDirTheSinkRefuses: superd --check passed a
// service whose log directory was there (a directory, or a link to one)
// but one the log sink refuses for its owner or mode (another user's,
// writable by every user); superd then did not run the service
// ("services not created ... open logs: ..."), as it applies
// logsink.CheckServiceDir when it loads services. The check now applies
// it too, and passes once the directory is fixed.
func TestCheckRefusesServiceLogDirTheSinkRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		link bool               // LOGDIR/a a link to the directory, not the directory
		set  func(string) error // makes the directory one the sink refuses
		fix  func(string) error
	}{
		{"link to another user's directory", true,
			func(d string) error { return os.Chown(d, 65534, 65534) },
			func(d string) error { return os.Chown(d, os.Geteuid(), os.Getegid()) }},
		{"link to a world-writable directory", true,
			func(d string) error { return os.Chmod(d, 0o777) },
			func(d string) error { return os.Chmod(d, 0o755) }},
		{"world-writable directory", false,
			func(d string) error { return os.Chmod(d, 0o777) },
			func(d string) error { return os.Chmod(d, 0o755) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.name == "link to another user's directory" && os.Geteuid() != 0 {
				t.Skip("needs root to give the directory to another user")
			}
			dir := t.TempDir()
			conf, logs := serviceAndLogDir(t, dir)
			svc := filepath.Join(logs, "a")
			target := svc
			if tc.link {
				target = filepath.Join(dir, "own")
				if err := os.Symlink(target, svc); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Mkdir(target, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tc.set(target); err != nil {
				t.Fatal(err)
			}
			refusal := logsink.CheckServiceDir(svc)
			if refusal == nil {
				t.Fatalf("logsink.CheckServiceDir(%s) = nil: the case does not make a directory the sink refuses", svc)
			}
			checkLogDir(t, conf, dir, logs, "a.service", refusal.Error(), "(1 of them could not start on this machine now)")
			if err := tc.fix(target); err != nil {
				t.Fatal(err)
			}
			checkLogDir(t, conf, dir, logs)
		})
	}
}

// A service log directory that is a loop of symbolic links (or any path
// the sink's stat fails on) passed superd --check, which then did not run
// the service ("too many levels of symbolic links").
func TestCheckRefusesServiceLogDirLinkLoop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf, logs := serviceAndLogDir(t, dir)
	if err := os.Symlink("a", filepath.Join(logs, "a")); err != nil {
		t.Fatal(err)
	}
	checkLogDir(t, conf, dir, logs, "a.service", "too many levels of symbolic links", "(1 of them could not start on this machine now)")
}

// serviceAndLogDir makes, in dir, a config dir of one service, a, and an
// empty log dir, and returns them.
func serviceAndLogDir(t *testing.T, dir string) (conf, logs string) {
	t.Helper()
	conf = confWith(t, dir, "a.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	logs = filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	return conf, logs
}
