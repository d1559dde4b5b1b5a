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

// CheckSignalHere reports an error if the signal with the canonical name
// canon (as [NormalizeSignal] returns it) does not exist on the system
// superd runs on: the real-time signals, SIGSTKFLT and SIGPWR are
// Linux's, and Windows knows only the few signals of its C library. The
// names are the same everywhere; the signals are not.
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
	if strings.HasPrefix(canon, "SIGRTMIN") || canon == "SIGSTKFLT" || canon == "SIGPWR" {
		return fmt.Errorf("%s is a signal of Linux only, not of %s", canon, goos)
	}
	return nil
}
