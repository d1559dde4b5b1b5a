//go:build unix

package process

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A working directory or a program reached through a symbolic link whose
// target is under a directory the service's User may not search is
// judged by the directories the kernel really searches: the start's error
// names the working directory (Op chdir), or that directory on the way
// to the program, not the program's mode, and the check reports what the
// start would.
func TestSymlinkedPathForbiddenToUser(t *testing.T) {
	asRootWithNobody(t)
	dir := searchableTempDir(t, "symlinked", map[string]os.FileMode{"secret": 0o700, "secret/app": 0o755, "pub": 0o755})
	secret := filepath.Join(dir, "secret")
	app := filepath.Join(secret, "app")
	pub := filepath.Join(dir, "pub")
	writeScript(t, filepath.Join(app, "prog"), "exit 0")
	// An absolute link and a relative one, with "..".
	if err := os.Symlink(app, filepath.Join(pub, "app")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret/app/prog", filepath.Join(pub, "prog")); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, Options{})
	for _, tc := range []struct {
		name string
		spec Spec
		op   string
		path string
		want string // in the start's error
	}{
		{"working directory", Spec{Argv: []string{"/bin/true"}, Dir: filepath.Join(pub, "app")},
			"chdir", filepath.Join(pub, "app"), "permission denied"},
		{"program under a linked directory", Spec{Argv: []string{filepath.Join(pub, "app", "prog")}},
			"exec", filepath.Join(pub, "app", "prog"), "may not search the directory " + strconv.Quote(secret)},
		{"linked program", Spec{Argv: []string{filepath.Join(pub, "prog")}},
			"exec", filepath.Join(pub, "prog"), "may not search the directory " + strconv.Quote(secret)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.User, tc.spec.Env = "nobody", os.Environ()
			_, err := m.Start(tc.spec, func(e Exit) { t.Errorf("exit callback for a failed start: %v", e) })
			var ee *ExecError
			if !errors.As(err, &ee) || ee.Op != tc.op || ee.Path != tc.path || !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start: %v, want an %s ExecError for %s wrapping EACCES, saying %q", err, tc.op, tc.path, tc.want)
			}
			err = m.Check(tc.spec)
			if !errors.As(err, &ee) || ee.Op != tc.op || ee.Path != tc.path || !errors.Is(err, syscall.EACCES) {
				t.Errorf("Check: %v, want an %s ExecError for %s wrapping EACCES", err, tc.op, tc.path)
			}
			// root itself may.
			tc.spec.User = ""
			if err := m.Check(tc.spec); err != nil {
				t.Errorf("Check as root: %v", err)
			}
		})
	}
}
