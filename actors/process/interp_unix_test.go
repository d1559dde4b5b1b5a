//go:build unix

package process

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A script the service's User may execute, whose #! interpreter that user
// may not (under a directory it may not search, or of a mode that lets only
// its owner run it), fails its start with an error naming the interpreter,
// not the script, and fails the check as the start would.
func TestInterpreterForbiddenToUser(t *testing.T) {
	asRootWithNobody(t)
	dir := searchableTempDir(t, "interp", map[string]os.FileMode{"priv": 0o700, "pub": 0o755})
	priv := filepath.Join(dir, "priv")
	pub := filepath.Join(dir, "pub")
	shell, err := os.ReadFile("/bin/sh")
	if err != nil {
		t.Skip(err)
	}
	write := func(path string, data []byte, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	hidden := filepath.Join(priv, "interp")
	write(hidden, shell, 0o755)
	ownerOnly := filepath.Join(pub, "owneronly")
	write(ownerOnly, shell, 0o700)
	m := newManager(t, Options{})
	for _, tc := range []struct {
		name, interp, want string
	}{
		{"under a private directory", hidden, "may not search the directory " + strconv.Quote(priv)},
		{"executable by its owner only", ownerOnly, "not executable by the service's user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := filepath.Join(pub, strings.ReplaceAll(tc.name, " ", "-")+".sh")
			write(script, []byte("#!"+tc.interp+"\nexit 0\n"), 0o755)
			spec := Spec{Argv: []string{script}, User: "nobody", Env: os.Environ()}
			want := "interpreter " + strconv.Quote(tc.interp) + ": permission denied"
			for what, err := range map[string]error{
				"Start": func() error {
					_, err := m.Start(spec, func(e Exit) { t.Errorf("exit callback for a failed start: %v", e) })
					return err
				}(),
				"Check": m.Check(spec),
			} {
				var ee *ExecError
				if !errors.As(err, &ee) || ee.Op != "exec" || ee.Path != script || !errors.Is(err, syscall.EACCES) ||
					!strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: %v, want an exec ExecError for %s saying %q, %q", what, err, script, want, tc.want)
				}
			}
			// root itself may.
			spec.User = ""
			if err := m.Check(spec); err != nil {
				t.Errorf("Check as root: %v", err)
			}
		})
	}
}

// searchableTempDir makes a temporary directory every user may search
// (not under t.TempDir, whose parent only root may search), removed when
// the test ends, with the subdirectories dirs (paths relative to it) of
// the modes given, past the umask; it returns its path.
func searchableTempDir(t *testing.T, pattern string, dirs map[string]os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Parents first: "secret" before "secret/app".
	names := make([]string, 0, len(dirs))
	for name := range dirs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(path, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, dirs[name]); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
