//go:build unix

package process

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// CheckStart finds what would make a start fail before the program runs,
// naming it as the start's own error would, and passes what would start.
func TestCheckStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	prog := write("prog", "#!/bin/sh\nexit 0\n", 0o755)
	plain := write("plain", "#!/bin/sh\nexit 0\n", 0o644)
	noInterp := write("nointerp", "#!/nonexistent/interpreter\n", 0o755)
	noShebang := write("noshebang", "echo hello\n", 0o755)
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(prog, filepath.Join(bin, "onpath")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin}
	for _, tc := range []struct {
		name string
		spec Spec
		op   string // "" for no error
		want string // in the error's text
		is   error
	}{
		{"absolute program", Spec{Argv: []string{prog}}, "", "", nil},
		{"bare name on PATH", Spec{Argv: []string{"onpath"}, Env: env}, "", "", nil},
		{"relative to the working directory", Spec{Argv: []string{"./prog"}, Dir: dir}, "", "", nil},
		{"missing program", Spec{Argv: []string{filepath.Join(dir, "nope")}}, "exec", "no such file", syscall.ENOENT},
		{"not on PATH", Spec{Argv: []string{"nope-not-here"}, Env: env}, "lookup", "not found in PATH", os.ErrNotExist},
		{"not executable", Spec{Argv: []string{plain}}, "exec", "not executable", syscall.EACCES},
		{"a directory", Spec{Argv: []string{bin}}, "exec", "a directory", syscall.EACCES},
		{"missing interpreter", Spec{Argv: []string{noInterp}}, "exec", `interpreter "/nonexistent/interpreter"`, syscall.ENOENT},
		{"script without #!", Spec{Argv: []string{noShebang}}, "exec", "no #! line", syscall.ENOEXEC},
		{"missing working directory", Spec{Argv: []string{prog}, Dir: filepath.Join(dir, "nodir")}, "chdir", "no such file", syscall.ENOENT},
		{"working directory is a file", Spec{Argv: []string{prog}, Dir: plain}, "chdir", "not a directory", syscall.ENOTDIR},
		{"unknown user", Spec{Argv: []string{prog}, User: "no-such-user-xyz"}, "user", "no-such-user-xyz", nil},
		{"unknown group", Spec{Argv: []string{prog}, Group: "no-such-group-xyz"}, "group", "no-such-group-xyz", nil},
		{"empty command line", Spec{}, "exec", "empty command line", nil},
	} {
		err := CheckStart(tc.spec)
		if tc.op == "" {
			if err != nil {
				t.Errorf("%s: %v, want nil", tc.name, err)
			}
			continue
		}
		var ee *ExecError
		if !errors.As(err, &ee) || ee.Op != tc.op || !strings.Contains(err.Error(), tc.want) || tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: %v, want an *ExecError %q containing %q (is %v)", tc.name, err, tc.op, tc.want, tc.is)
		}
	}
}

// As another user, CheckStart judges the program and the working
// directory by that user's permissions, as the start would.
func TestCheckStartAsAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to check for another user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	// Not under t.TempDir, whose parent only root may search.
	dir := searchableTempDir(t, "checkstart", nil)
	private := filepath.Join(dir, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	ownerOnly := filepath.Join(dir, "owneronly")
	if err := os.WriteFile(ownerOnly, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	inPrivate := filepath.Join(private, "prog")
	if err := os.WriteFile(inPrivate, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		spec Spec
		want string
	}{
		{"program only its owner may run", Spec{Argv: []string{ownerOnly}, User: nobody.Username}, "not executable by the service's user"},
		{"program in a directory it may not search", Spec{Argv: []string{inPrivate}, User: nobody.Username}, "may not search the directory"},
		{"working directory it may not enter", Spec{Argv: []string{"/bin/true"}, Dir: private, User: nobody.Username}, "may not enter it"},
	} {
		err := CheckStart(tc.spec)
		if err == nil || !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want EACCES saying %q", tc.name, err, tc.want)
		}
		// root itself may.
		tc.spec.User = ""
		if err := CheckStart(tc.spec); err != nil {
			t.Errorf("%s, as root: %v", tc.name, err)
		}
	}
}
