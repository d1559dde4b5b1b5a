//go:build linux && !mips && !mipsle && !mips64 && !mips64le

package process

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// cLibrarySignals are the signals the Go runtime installs no handler for,
// even for os/signal, keeping them for the C library's threads (32 and 33
// for glibc, 34 for musl), except the one it uses itself without cgo (33):
// an ignored disposition inherited for them is kept, and exec passes it to
// every child.
var cLibrarySignals = []uintptr{32, 34}

// handlerIgn and handlerDfl are the kernel's SIG_IGN and SIG_DFL handlers.
const (
	handlerDfl = 0
	handlerIgn = 1
)

// kernelSigaction is large enough for the kernel's struct sigaction on
// every architecture but MIPS (excluded above), whose handler comes first.
type kernelSigaction [8]uintptr

// resetIgnoredCLibrarySignals sets to their default action those of
// cLibrarySignals the process ignores (as a launcher that ignores every
// signal leaves them), so that children start with the default action, as
// systemd's do. Go without cgo does not use them; with cgo, the C library
// installs its handlers when it needs them, and a handler is left alone.
func resetIgnoredCLibrarySignals() error {
	for _, sig := range cLibrarySignals {
		var old kernelSigaction
		if err := rtSigaction(sig, nil, &old); err != nil {
			return err
		}
		if old[0] != handlerIgn {
			continue
		}
		if err := rtSigaction(sig, &kernelSigaction{handlerDfl}, nil); err != nil {
			return err
		}
	}
	return nil
}

// rtSigaction is rt_sigaction(2): it sets sig's action to act, if not nil,
// and stores the previous one in old, if not nil.
func rtSigaction(sig uintptr, act, old *kernelSigaction) error {
	const sigsetSize = 8 // _NSIG / 8 everywhere but MIPS
	_, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), sigsetSize, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
