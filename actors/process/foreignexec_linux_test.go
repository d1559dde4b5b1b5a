package process

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// A 32-bit program on a 64-bit x86 kernel runs (in its compat mode), though
// its machine is not superd's: the check passes it, and it starts.
func TestCheckPassesA32BitProgramOnA64BitKernel(t *testing.T) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil || unix.ByteSliceToString(u.Machine[:]) != "x86_64" {
		t.Skip("not an x86-64 kernel")
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("the program must be of another machine than this test's")
	}
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() { select {} }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(dir, "prog32")
	build := exec.Command("go", "build", "-o", prog, src)
	build.Env = append(os.Environ(), "GOARCH=386", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build a 386 program: %v\n%s", err, out)
	}
	if err := CheckStart(Spec{Argv: []string{prog}}); err != nil {
		t.Fatalf("CheckStart of a 386 program on an x86-64 kernel: %v", err)
	}
	m := newManager(t, Options{})
	p := start(t, m, Spec{Argv: []string{prog}})
	if p.PID <= 0 {
		t.Fatalf("no process: %+v", p.Handle)
	}
	// A kernel without that compat mode (ia32_emulation=0) refuses it:
	// the start's error, which comes from the kernel, names the machine.
	err := startError(&exec.Cmd{Path: prog}, syscall.ENOEXEC)
	if want := "built for EM_386"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("the start's error for a refused 386 program: %v, want it to say %q", err, want)
	}
}

func TestNativeELF(t *testing.T) {
	for _, tc := range []struct {
		machine string
		m       elf.Machine
		class   elf.Class
		want    bool
	}{
		{"x86_64", elf.EM_X86_64, elf.ELFCLASS64, true},
		{"x86_64", elf.EM_386, elf.ELFCLASS32, true},
		{"x86_64", elf.EM_X86_64, elf.ELFCLASS32, false}, // x32: off by default
		{"x86_64", elf.EM_AARCH64, elf.ELFCLASS64, false},
		{"aarch64", elf.EM_AARCH64, elf.ELFCLASS64, true},
		{"aarch64", elf.EM_ARM, elf.ELFCLASS32, true},
		{"aarch64", elf.EM_X86_64, elf.ELFCLASS64, false},
		{"i686", elf.EM_386, elf.ELFCLASS32, true},
		{"i686", elf.EM_X86_64, elf.ELFCLASS64, false},
		{"riscv64", elf.EM_RISCV, elf.ELFCLASS64, false}, // judged by superd's own machine instead
	} {
		if got := nativeELF(tc.machine, tc.m, tc.class); got != tc.want {
			t.Errorf("nativeELF(%s, %v, %v) = %v, want %v", tc.machine, tc.m, tc.class, got, tc.want)
		}
	}
}

// qemu-user's handler for aarch64 programs, as binfmt-support registers it.
const qemuAarch64 = `enabled
interpreter /usr/bin/qemu-aarch64-static
flags: F
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
`

// elfHead is the start of a 64-bit little-endian ELF executable for
// machine m.
func elfHead(m elf.Machine) []byte {
	head := make([]byte, 64)
	copy(head, elf.ELFMAG)
	head[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	head[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	head[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	head[16] = byte(elf.ET_EXEC) // e_type
	head[18], head[19] = byte(m), byte(m>>8)
	return head
}

func TestBinfmtEntryMatches(t *testing.T) {
	arm, x86 := elfHead(elf.EM_AARCH64), elfHead(elf.EM_X86_64)
	for _, tc := range []struct {
		name, entry string
		head        []byte
		path        string
		want        bool
	}{
		{"qemu's magic", qemuAarch64, arm, "/opt/x/prog", true},
		{"qemu's magic, another machine", qemuAarch64, x86, "/opt/x/prog", false},
		{"disabled", "disabled\n" + qemuAarch64[len("enabled\n"):], arm, "/opt/x/prog", false},
		{"magic beyond the head", "enabled\noffset 60\nmagic 00000000000000\n", arm, "p", false},
		{"magic at an offset, no mask", "enabled\noffset 18\nmagic b700\n", arm, "p", true},
		{"mask of another length", "enabled\noffset 0\nmagic 7f454c46\nmask ffff\n", arm, "p", false},
		{"bad hex", "enabled\noffset 0\nmagic 7g\n", arm, "p", false},
		{"extension", "enabled\ninterpreter /usr/bin/wine\nflags: \nextension .exe\n", []byte("MZ"), "/srv/app/run.exe", true},
		{"another extension", "enabled\nextension .exe\n", arm, "/srv/app/run", false},
	} {
		if got := binfmtEntryMatches(tc.entry, tc.head, tc.path); got != tc.want {
			t.Errorf("%s: binfmtEntryMatches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBinfmtHandles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	arm := elfHead(elf.EM_AARCH64)
	if binfmtHandles(dir, arm, "p") {
		t.Error("binfmt_misc not mounted (no status): handled")
	}
	write("status", "enabled\n")
	write("register", "")
	if binfmtHandles(dir, arm, "p") {
		t.Error("no handler: handled")
	}
	write("qemu-aarch64", qemuAarch64)
	if !binfmtHandles(dir, arm, "p") {
		t.Error("qemu-aarch64 registered: not handled")
	}
	if binfmtHandles(dir, elfHead(elf.EM_RISCV), "p") {
		t.Error("a riscv64 program: handled by qemu-aarch64")
	}
	write("status", "disabled\n")
	if binfmtHandles(dir, arm, "p") {
		t.Error("binfmt_misc disabled: handled")
	}
}
