//go:build linux

package process

import (
	"io/fs"
	"os"
	"testing"
)

// A child without Dir starts in the process's current directory without
// entering it, whether or not an earlier Spec had a UMask: a User that may
// not enter that directory (superd started from root's home) still starts.
// Once the spawner had a umask of its own, each such child was given the
// directory's path as its Dir, which it then entered as that User: "chdir
// ...: permission denied", a start that failed because another service
// had UMask=.
func TestUMaskLeavesTheWorkingDirectoryOfOthersAlone(t *testing.T) {
	asRootWithNobody(t)
	private := t.TempDir()
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Chdir(private)
	m := newManager(t, Options{Logger: discardLogger()})
	asNobody := func(when string) {
		t.Helper()
		p := start(t, m, Spec{Argv: []string{"/bin/true"}, User: "nobody", Env: os.Environ()})
		if e := p.wait(t); e.Code != 0 || e.Signal != "" {
			t.Fatalf("%s: %v", when, e)
		}
	}
	asNobody("before any UMask")
	strict := fs.FileMode(0o077)
	p := start(t, m, Spec{Argv: []string{"/bin/true"}, UMask: &strict})
	p.wait(t)
	asNobody("after a Spec with a UMask")
}
