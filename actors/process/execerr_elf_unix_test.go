//go:build unix

package process

import (
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// withInterpreter copies the dynamically linked program src to dst with
// the path of its ELF interpreter (the dynamic loader, PT_INTERP) replaced
// by interp, skipping the test if src has none or interp does not fit.
func withInterpreter(t *testing.T, src, dst, interp string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Skip(err)
	}
	f, err := elf.NewFile(strings.NewReader(string(b)))
	if err != nil {
		t.Skipf("%s: %v", src, err)
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		if uint64(len(interp)) >= p.Filesz {
			t.Skipf("%s: interpreter field too short for %q", src, interp)
		}
		field := b[p.Off : p.Off+p.Filesz]
		clear(field)
		copy(field, interp)
		if err := os.WriteFile(dst, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Skipf("%s is not dynamically linked", src)
}

// A program whose dynamic loader is missing (built for another libc, such
// as musl, or for 32 bits without the libraries) makes execve fail with
// ENOENT, though the program is there: the error names the loader, as it
// names the interpreter of a script, instead of a bare "no such file or
// directory" after the program's path.
func TestMissingELFInterpreter(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "prog")
	const loader = "/no/such/ld.so"
	withInterpreter(t, "/bin/true", prog, loader)
	m := newManager(t, Options{})
	_, err := m.Start(Spec{Argv: []string{prog}, Env: os.Environ()}, nil)
	var ee *ExecError
	if !errors.As(err, &ee) || ee.Op != "exec" || ee.Path != prog || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Start: %v, want an exec ExecError for %s wrapping ENOENT", err, prog)
	}
	if want := "dynamic loader " + strconv.Quote(loader); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %s", err, want)
	}
	// A loader that is there is not named.
	if interp, _ := missingInterpreter("/bin/true"); interp != "" {
		t.Errorf("missingInterpreter(/bin/true) = %q, want none missing", interp)
	}
}

// An exec format error (ENOEXEC) says why the file is not a program: a
// script without a #! line (which a shell would run, but execve does
// not), or a program built for another machine.
func TestExecFormatErrorSaysWhy(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("echo hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign")
	b, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip(err)
	}
	f, err := elf.NewFile(strings.NewReader(string(b)))
	if err != nil {
		t.Skipf("/bin/true: %v", err)
	}
	other := elf.EM_AARCH64
	if f.Machine == other {
		other = elf.EM_X86_64
	}
	f.ByteOrder.PutUint16(b[18:], uint16(other)) // e_machine
	if err := os.WriteFile(foreign, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, why string }{{script, "no #! line"}}
	if _, err := os.Stat("/proc/self/exe"); err == nil { // where this system's machine is read
		cases = append(cases, struct{ path, why string }{foreign, "built for " + other.String()})
	}
	m := newManager(t, Options{})
	for _, tc := range cases {
		_, err := m.Start(Spec{Argv: []string{tc.path}, Env: os.Environ()}, nil)
		var ee *ExecError
		if !errors.As(err, &ee) || ee.Op != "exec" || ee.Path != tc.path || !errors.Is(err, syscall.ENOEXEC) {
			t.Errorf("Start(%s): %v, want an exec ExecError wrapping ENOEXEC", tc.path, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.why) {
			t.Errorf("error %q does not say %q", err, tc.why)
		}
	}
}

// A program open for writing (being copied in place by a deployment)
// cannot be executed (ETXTBSY): the error says why, which "text file
// busy" does not.
func TestTextFileBusySaysWhy(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "prog")
	b, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip(err)
	}
	if err := os.WriteFile(prog, b, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(prog, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := newManager(t, Options{})
	_, err = m.Start(Spec{Argv: []string{prog}, Env: os.Environ()}, nil)
	if !errors.Is(err, syscall.ETXTBSY) {
		t.Skipf("Start: %v, not ETXTBSY on this system", err)
	}
	if !strings.Contains(err.Error(), "open for writing") {
		t.Errorf("error %q does not say the program is open for writing", err)
	}
}
