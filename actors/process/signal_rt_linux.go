package process

import (
	"strconv"
	"strings"
	"syscall"
)

// The real-time signals, numbered as glibc and systemd number them (the
// kernel's 32 and 33 are the C library's own), and named as the config
// package names them: SIGRTMIN, SIGRTMIN+1 ... SIGRTMIN+30.
const (
	sigRTMin = 34
	sigRTMax = 64
)

// rtSignalNumber returns the real-time signal named name (SIGRTMIN or
// SIGRTMIN+N).
func rtSignalNumber(name string) (syscall.Signal, bool) {
	rest, ok := strings.CutPrefix(name, "SIGRTMIN")
	if !ok {
		return 0, false
	}
	off := 0
	if rest != "" {
		digits, ok := strings.CutPrefix(rest, "+")
		n, err := strconv.Atoi(digits)
		if !ok || err != nil || digits != strconv.Itoa(n) {
			return 0, false
		}
		off = n
	}
	if n := sigRTMin + off; off >= 0 && n <= sigRTMax {
		return syscall.Signal(n), true
	}
	return 0, false
}

// rtSignalName returns the name of s if it is a real-time signal.
func rtSignalName(s syscall.Signal) (string, bool) {
	switch n := int(s); {
	case n == sigRTMin:
		return "SIGRTMIN", true
	case n > sigRTMin && n <= sigRTMax:
		return "SIGRTMIN+" + strconv.Itoa(n-sigRTMin), true
	}
	return "", false
}
