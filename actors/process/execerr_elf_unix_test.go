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
