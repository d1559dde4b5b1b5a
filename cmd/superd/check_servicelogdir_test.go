//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
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
		conf := confWith(t, dir, "a.service", "[Service]\nExecStart=/bin/sleep 1000\n")
		logs := filepath.Join(dir, "logs")
		if err := os.Mkdir(logs, 0o755); err != nil {
			t.Fatal(err)
		}
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
		conf := confWith(t, dir, "a.service", "[Service]\nExecStart=/bin/sleep 1000\n")
		logs := filepath.Join(dir, "logs")
		if err := os.Mkdir(logs, 0o755); err != nil {
			t.Fatal(err)
		}
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
