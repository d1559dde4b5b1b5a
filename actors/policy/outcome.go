package policy

import (
	"fmt"
	"slices"

	"github.com/supers-dev/supers/config"
)

// Outcome is how one run of a service's process ended.
//
// Exactly one of four cases holds: Internal (the supervisor itself failed
// while it handled the service); ExecFailed (the start never reached the
// program: missing binary, bad WorkingDirectory, unknown User...); Signal
// set (the process was killed by that signal); or none of them (the
// process exited with Code). Code is ignored when Signal != "",
// ExecFailed or Internal, and Signal when ExecFailed or Internal.
// Resources further qualifies an exec failure.
type Outcome struct {
	// Code is the exit status of a process that exited.
	Code int
	// Signal is the canonical name ("SIGKILL", as config.NormalizeSignal and
	// the process package spell it) of the signal that killed the process,
	// or "" if it was not killed by a signal.
	Signal string
	// CoreDumped, with Signal, says the signal made the process dump core.
	// Such an end is never clean, as in systemd (a core dump is a crash
	// even when SuccessExitStatus= lists its signal), but it matches the
	// exit-status lists as its signal does.
	CoreDumped bool
	// ExecFailed says the start failed before the program ran.
	ExecFailed bool
	// Resources, with ExecFailed, says the start failed because the
	// supervisor or the system ran out of a resource (file descriptors,
	// processes, memory: EMFILE, EAGAIN...), not because of the service:
	// see [State.Failure].
	Resources bool
	// Internal says the run ended because the supervisor's own code for
	// the service failed (a bug), which then killed its process (if any):
	// see [State.Failure].
	Internal bool
}

// Exited returns the Outcome of a process that exited with code.
func Exited(code int) Outcome { return Outcome{Code: code} }

// Killed returns the Outcome of a process killed by signal (canonical name).
func Killed(signal string) Outcome { return Outcome{Signal: signal} }

// ExecFailure returns the Outcome of a start that failed before the program ran.
func ExecFailure() Outcome { return Outcome{ExecFailed: true} }

// ResourceFailure returns the Outcome of a start that failed for lack of a
// resource (file descriptors, processes, memory).
func ResourceFailure() Outcome { return Outcome{ExecFailed: true, Resources: true} }

// InternalFailure returns the Outcome of a run that the supervisor's own
// failure ended (a bug in its code for the service).
func InternalFailure() Outcome { return Outcome{Internal: true} }

// String describes the outcome as "exit code 3", "signal SIGKILL", "signal
// SIGSEGV (core dumped)", "exec failure", "start failure for lack of
// resources" or "failure of the supervisor".
func (o Outcome) String() string {
	switch {
	case o.Internal:
		return "failure of the supervisor"
	case o.ExecFailed && o.Resources:
		return "start failure for lack of resources"
	case o.ExecFailed:
		return "exec failure"
	case o.Signal != "" && o.CoreDumped:
		return "signal " + o.Signal + " (core dumped)"
	case o.Signal != "":
		return "signal " + o.Signal
	default:
		return fmt.Sprintf("exit code %d", o.Code)
	}
}

// cleanSignal reports whether a process killed by sig counts as having
// ended cleanly, as in systemd.
func cleanSignal(sig string) bool {
	switch sig {
	case "SIGHUP", "SIGINT", "SIGTERM", "SIGPIPE":
		return true
	}
	return false
}

// matches reports whether o is listed in set. An exec failure or an
// internal failure has neither an exit code nor a signal, so it matches no
// set.
func matches(set config.ExitStatusSet, o Outcome) bool {
	switch {
	case o.ExecFailed, o.Internal:
		return false
	case o.Signal != "":
		return slices.Contains(set.Signals, o.Signal)
	default:
		return slices.Contains(set.Codes, o.Code)
	}
}

// Clean reports whether o is a clean end under p: exit code 0, one of the
// signals SIGHUP, SIGINT, SIGTERM and SIGPIPE, or a code or signal listed in
// p.SuccessExitStatus. An exec failure is never clean, nor is a signal that
// dumped core (as systemd's is_clean_exit has it: CLD_DUMPED is not
// clean), nor an internal failure.
func Clean(p config.RestartPolicy, o Outcome) bool {
	switch {
	case o.ExecFailed, o.Internal, o.Signal != "" && o.CoreDumped:
		return false
	case o.Signal != "":
		return cleanSignal(o.Signal) || matches(p.SuccessExitStatus, o)
	default:
		return o.Code == 0 || matches(p.SuccessExitStatus, o)
	}
}

// ShouldRestart reports whether p asks for a restart after o, ignoring
// backoff and the start limit (see [State.Failure] for those).
//
// In order, as in systemd:
//  1. o listed in p.PreventExitStatus: no restart. Prevent wins when o is
//     listed in both PreventExitStatus and ForceExitStatus.
//  2. o listed in p.ForceExitStatus: restart, whatever p.Mode says.
//  3. p.Mode: "no" never restarts; "always" always does; "on-success" only
//     after a clean end ([Clean]); "on-failure" after an unclean exit code,
//     an unclean signal or an exec failure; "on-abnormal" after an unclean
//     signal only.
//
// An exec failure matches neither list (it has no exit code), so it only
// follows p.Mode: on-failure and always restart it. A start that failed
// for lack of a resource (Resources), or a run that the supervisor's own
// failure ended (Internal), is not the service's failure: it is always
// restarted, whatever p says. An empty Mode means
// [config.DefaultRestartMode]; an unknown Mode never restarts.
func ShouldRestart(p config.RestartPolicy, o Outcome) bool {
	restart, _ := decide(p, o)
	return restart
}

// decide is ShouldRestart with a human explanation of the answer.
func decide(p config.RestartPolicy, o Outcome) (bool, string) {
	if o.ExecFailed && o.Resources {
		return true, o.String() + " is retried until the resource is back"
	}
	if o.Internal {
		// The service did not end: the supervisor's failure ended it.
		return true, o.String() + " is restarted whatever Restart= says"
	}
	if matches(p.PreventExitStatus, o) {
		return false, o.String() + " is in RestartPreventExitStatus"
	}
	if matches(p.ForceExitStatus, o) {
		return true, o.String() + " is in RestartForceExitStatus"
	}
	mode := p.Mode
	if mode == "" {
		mode = config.DefaultRestartMode
	}
	clean := Clean(p, o)
	var restart bool
	switch mode {
	case config.RestartAlways:
		restart = true
	case config.RestartOnSuccess:
		restart = clean
	case config.RestartOnFailure:
		restart = !clean
	case config.RestartOnAbnormal:
		restart = !clean && !o.ExecFailed && o.Signal != ""
	default: // config.RestartNo and unknown modes
		restart = false
	}
	word := "unclean"
	if clean {
		word = "clean"
	}
	return restart, fmt.Sprintf("%s (%s) with Restart=%s", o, word, mode)
}
