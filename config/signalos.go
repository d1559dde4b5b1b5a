package config

import (
	"fmt"
	"runtime"
	"strings"
)

// windowsSignals are the signal names Windows knows (its stop terminates
// the process whatever the name, but only these are names of its own).
var windowsSignals = map[string]bool{
	"SIGHUP": true, "SIGINT": true, "SIGQUIT": true, "SIGILL": true,
	"SIGTRAP": true, "SIGABRT": true, "SIGBUS": true, "SIGFPE": true,
	"SIGKILL": true, "SIGSEGV": true, "SIGPIPE": true, "SIGALRM": true,
	"SIGTERM": true,
}

// noSIGPWR are the systems without SIGPWR (NetBSD, illumos and AIX have
// it).
var noSIGPWR = map[string]bool{"darwin": true, "ios": true, "freebsd": true, "openbsd": true, "dragonfly": true}

// CheckSignalHere reports an error if the signal with the canonical name
// canon (as [NormalizeSignal] returns it) does not exist on the system
// superd runs on: the real-time signals (as numbered here) and SIGSTKFLT
// are Linux's, macOS, FreeBSD, OpenBSD and DragonFly have no SIGPWR, and
// Windows knows only the few signals of its C library. The names are the
// same everywhere; the signals are not.
func CheckSignalHere(canon string) error {
	return checkSignalOn(runtime.GOOS, canon)
}

// checkSignalOn is CheckSignalHere for the system goos.
func checkSignalOn(goos, canon string) error {
	switch goos {
	case "linux", "android":
		return nil
	case "windows":
		if !windowsSignals[canon] {
			return fmt.Errorf("%s is not a signal of Windows", canon)
		}
		return nil
	}
	switch {
	case strings.HasPrefix(canon, "SIGRTMIN") || canon == "SIGSTKFLT":
		// Other systems number their real-time signals otherwise.
		return fmt.Errorf("%s is a signal of Linux only, not of %s", canon, goos)
	case canon == "SIGPWR" && noSIGPWR[goos]:
		return fmt.Errorf("%s is not a signal of %s", canon, goos)
	}
	return nil
}
