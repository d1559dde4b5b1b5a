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
	"time"
)

// A WorkingDirectory the service's User may not enter is reported as a
// chdir failure naming the directory, not as a failure to execute the
// program (which that user may well execute).
func TestWorkingDirectoryForbiddenToUser(t *testing.T) {
	asRootWithNobody(t)
	private := filepath.Join(t.TempDir(), "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(private, "open") // searchable itself, not its parent
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, Options{})
	for _, dir := range []string{private, open} {
		_, err := m.Start(Spec{Argv: []string{"/bin/true"}, Dir: dir, User: "nobody", Env: os.Environ()},
			func(e Exit) { t.Errorf("exit callback for a failed start: %v", e) })
		var ee *ExecError
		if !errors.As(err, &ee) || ee.Op != "chdir" || ee.Path != dir || !errors.Is(err, syscall.EACCES) {
			t.Errorf("Dir %s: Start: %v, want a chdir ExecError for it wrapping EACCES", dir, err)
		}
	}

	// The program itself is what the user may not execute: an exec error.
	prog := filepath.Join(private, "prog")
	writeScript(t, prog, "exit 0")
	_, err := m.Start(Spec{Argv: []string{prog}, User: "nobody", Env: os.Environ()}, nil)
	var ee *ExecError
	if !errors.As(err, &ee) || ee.Op != "exec" || ee.Path != prog {
		t.Errorf("Start: %v, want an exec ExecError for %s", err, prog)
	}
}

// A script whose interpreter is missing (a #! line naming a program that
// does not exist, or ending in a carriage return) is reported as such, not
// as a missing program: the script is there.
func TestMissingInterpreter(t *testing.T) {
	dir := t.TempDir()
	m := newManager(t, Options{})
	for _, tc := range []struct{ name, shebang, interp string }{
		{"missing", "#!/no/such/interpreter -e\n", "/no/such/interpreter"},
		{"CRLF", "#!/bin/sh\r\n", "/bin/sh\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := filepath.Join(dir, tc.name)
			if err := os.WriteFile(script, []byte(tc.shebang+"exit 0\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := m.Start(Spec{Argv: []string{script}, Env: os.Environ()}, nil)
			var ee *ExecError
			if !errors.As(err, &ee) || ee.Op != "exec" || ee.Path != script || !errors.Is(err, syscall.ENOENT) {
				t.Fatalf("Start: %v, want an exec ExecError for %s wrapping ENOENT", err, script)
			}
			if want := strconv.Quote(tc.interp); !strings.Contains(err.Error(), "interpreter "+want) {
				t.Errorf("error %q does not name the interpreter %s", err, want)
			}
		})
	}
}

// A program under a directory the service's User may not search is not
// reported as a bare "permission denied", which sends the reader to the
// program's own mode: the error names the directory.
func TestProgramUnderDirectoryForbiddenToUser(t *testing.T) {
	asRootWithNobody(t)
	tmp := t.TempDir()
	for _, dir := range []string{tmp, filepath.Dir(tmp)} { // made 0700
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	private := filepath.Join(tmp, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(private, "bin", "prog")
	writeScript(t, prog, "exit 0")
	if err := os.Chmod(filepath.Dir(prog), 0o755); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, Options{})
	_, err := m.Start(Spec{Argv: []string{prog}, User: "nobody", Env: os.Environ()}, nil)
	var ee *ExecError
	if !errors.As(err, &ee) || ee.Op != "exec" || ee.Path != prog || !errors.Is(err, syscall.EACCES) {
		t.Fatalf("Start: %v, want an exec ExecError for %s wrapping EACCES", err, prog)
	}
	if want := strconv.Quote(private); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the directory %s", err, want)
	}
}

// A relative program path with ".." is resolved as the kernel resolves it,
// from where a symlink before the ".." leads, not from the text before it:
// with Dir a link to real/app, "../bin/prog" is real/bin/prog. The path
// was cleaned as text first (base/bin/prog), so superd ran another program,
// or none, than "cd Dir && ../bin/prog" runs.
func TestRelativeProgramDotDotFollowsTheKernel(t *testing.T) {
	base := t.TempDir()
	for _, d := range []string{"real/app", "real/bin", "bin"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(base, "real", "app"), filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(base, "ran")
	writeScript(t, filepath.Join(base, "real", "bin", "prog"), "echo real >"+out)
	writeScript(t, filepath.Join(base, "bin", "prog"), "echo lexical >"+out)
	m := newManager(t, Options{})
	exited := make(chan Exit, 1)
	if _, err := m.Start(Spec{Argv: []string{"../bin/prog"}, Dir: filepath.Join(base, "link"), Env: os.Environ()},
		func(e Exit) { exited <- e }); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-exited:
		if e.Code != 0 {
			t.Fatalf("exit %v", e)
		}
	case <-time.After(deadline):
		t.Fatal("no exit")
	}
	if got, err := os.ReadFile(out); err != nil || strings.TrimSpace(string(got)) != "real" {
		t.Errorf("ran %q, %v; want real/bin/prog", got, err)
	}
}
