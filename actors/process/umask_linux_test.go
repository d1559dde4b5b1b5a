//go:build linux

package process

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// ownUmask reads the umask of the test process (of its threads that
// share it).
func ownUmask() int {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return m
}

// A Spec's UMask is the child's umask; it changes neither the process's
// umask nor that of the children without one, and once the spawner has a
// umask of its own, a child without Dir still starts in the process's
// current directory.
func TestSpecUMask(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	m := newManager(t, Options{Logger: discardLogger()})
	base := ownUmask()
	run := func(name string, umask *fs.FileMode) string {
		t.Helper()
		p := start(t, m, Spec{Argv: []string{"/bin/sh", "-c", "umask > " + name + "; pwd >> " + name}, UMask: umask})
		if e := p.wait(t); e.Code != 0 || e.Signal != "" {
			t.Fatalf("%s: %v", name, e)
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	strict := fs.FileMode(0o027)
	open := fs.FileMode(0)
	if got := run("strict", &strict); got != "0027\n"+dir+"\n" {
		t.Errorf("UMask 0027: the child says %q", got)
	}
	if got := ownUmask(); got != base {
		t.Errorf("the process's umask became %04o, was %04o", got, base)
	}
	if got, want := run("inherited", nil), "0022\n"; base == 0o022 && !strings.HasPrefix(got, want) {
		t.Errorf("no UMask after a UMask 0027: the child says %q, want the process's %04o", got, base)
	}
	if got := run("open", &open); !strings.HasPrefix(got, "0000\n") {
		t.Errorf("UMask 0: the child says %q", got)
	}
	// The process changes its umask (an embedding program may): a child
	// without UMask gets the new one, not the one the process had when
	// the spawner took a umask of its own.
	syscall.Umask(0o002)
	t.Cleanup(func() { syscall.Umask(base) })
	if got := run("changed", nil); !strings.HasPrefix(got, "0002\n") {
		t.Errorf("no UMask after the process's umask became 0002: the child says %q", got)
	}
	if got, ok := processUmask(); !ok || got != 0o002 {
		t.Errorf("processUmask() = %04o, %v; want 0002", got, ok)
	}
	// The process moves: a child without Dir follows it, not the
	// spawner's unshared directory.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	p := start(t, m, Spec{Argv: []string{"/bin/sh", "-c", "pwd > " + filepath.Join(dir, "moved")}, UMask: &strict})
	p.wait(t)
	if data, _ := os.ReadFile(filepath.Join(dir, "moved")); string(data) != sub+"\n" {
		t.Errorf("after a chdir, a child without Dir starts in %q, want %q", data, sub)
	}
}
