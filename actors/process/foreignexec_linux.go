package process

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// binfmtDir is where the kernel lists the handlers that binfmt_misc adds
// to the formats execve runs (qemu-user for other machines' programs,
// Wine, Java), when it is mounted.
const binfmtDir = "/proc/sys/fs/binfmt_misc"

// kernelRuns reports whether this kernel may run an ELF program of the
// machine and class of ef though this process is of another: a 64-bit
// kernel's compat mode for its 32-bit sibling (i386 on x86-64, arm on
// arm64, as a 32-bit superd's own machine differs from the kernel's), or
// a binfmt_misc handler whose magic matches head, the program's first
// bytes (qemu-user registered for another machine's programs). path is
// the program's, for a handler that matches by extension.
func kernelRuns(ef *elf.File, head []byte, path string) bool {
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		machine := unix.ByteSliceToString(u.Machine[:])
		if nativeELF(machine, ef.Machine, ef.Class) {
			return true
		}
	}
	return binfmtHandles(binfmtDir, head, path)
}

// nativeELF reports whether a kernel whose uname machine is machine runs
// ELF programs of m and class natively or in its compat mode (which a
// kernel may be built without, or run with off: then the start's error,
// formatError's after the kernel refused it, names the machine).
func nativeELF(machine string, m elf.Machine, class elf.Class) bool {
	switch machine {
	case "x86_64":
		return m == elf.EM_X86_64 && class == elf.ELFCLASS64 || m == elf.EM_386 && class == elf.ELFCLASS32
	case "aarch64", "aarch64_be", "armv8l":
		return m == elf.EM_AARCH64 && class == elf.ELFCLASS64 || m == elf.EM_ARM && class == elf.ELFCLASS32
	case "i386", "i486", "i586", "i686":
		return m == elf.EM_386 && class == elf.ELFCLASS32
	}
	return false
}

// binfmtHandles reports whether an enabled binfmt_misc handler listed in
// dir matches a program of path whose first bytes are head: by its magic
// (under its mask, at its offset) or by its extension. It is false when
// binfmt_misc is not mounted there or is disabled.
func binfmtHandles(dir string, head []byte, path string) bool {
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil || strings.TrimSpace(string(status)) != "enabled" {
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name() == "status" || e.Name() == "register" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && binfmtEntryMatches(string(b), head, path) {
			return true
		}
	}
	return false
}

// binfmtEntryMatches reports whether the binfmt_misc handler described by
// entry (the text of its file: "enabled", then lines such as "offset 0",
// "magic 7f454c46...", "mask ffffff..." or "extension .exe") is enabled
// and matches a program of path whose first bytes are head.
func binfmtEntryMatches(entry string, head []byte, path string) bool {
	lines := strings.Split(entry, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "enabled" {
		return false
	}
	var (
		offset    int
		magic     []byte
		mask      []byte
		extension string
	)
	for _, line := range lines[1:] {
		key, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		var err error
		switch key {
		case "offset":
			offset, err = strconv.Atoi(value)
		case "magic":
			magic, err = hex.DecodeString(value)
		case "mask":
			mask, err = hex.DecodeString(value)
		case "extension":
			extension = value
		}
		if err != nil {
			return false
		}
	}
	if extension != "" {
		return strings.TrimPrefix(filepath.Ext(path), ".") == strings.TrimPrefix(extension, ".")
	}
	if len(magic) == 0 || offset < 0 || offset+len(magic) > len(head) {
		return false
	}
	field := bytes.Clone(head[offset : offset+len(magic)])
	if mask != nil {
		if len(mask) != len(magic) {
			return false
		}
		for i := range field {
			field[i] &= mask[i]
		}
	}
	return bytes.Equal(field, magic)
}
