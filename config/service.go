package config

import (
	"io/fs"
	"slices"
	"time"
)

// Service is the typed, validated and immutable description of one service,
// parsed from <config-dir>/NAME.service. No INI type escapes this package:
// everything past the loader works on Service values.
//
// A Service must not be modified after Parse returns it; share it freely.
type Service struct {
	// Name is the file name without ".service"; it matches NamePattern.
	Name string
	// File is the path the service was read from ("" for services built in Go).
	File string
	// Description is [Unit] Description=.
	Description string

	// ExecStart is the command line split into words, exactly as written
	// (argv[0] is not resolved: the process layer looks bare names up in PATH
	// and resolves relative paths against WorkingDirectory at start time).
	ExecStart []string
	// WorkingDirectory is the child's working directory ("" means superd's,
	// or the embedding program's, as it is at each start).
	WorkingDirectory string
	// Environment holds KEY=VALUE pairs from EnvironmentFile= then
	// Environment=, in file order; later entries win over earlier ones and
	// over superd's own environment. Parse and Validate drop the entries
	// that later ones override, so each KEY appears once.
	Environment []string
	// EnvironmentFiles lists the EnvironmentFile= values in file order, as
	// written (a leading "-" marks a file that may be missing). Their
	// variables are already in Environment; this says which files were
	// read, by superd, with its own privileges. Like File, it is not part
	// of Hash. Nothing reads the files it names afterwards: in a Service
	// built in Go it changes no variable (put them in Environment).
	EnvironmentFiles []string
	// User and Group name the credentials the child runs with (a name or a
	// numeric ID). Empty means superd's own. superd must run as root, or as
	// that user and group: otherwise each start fails (ErrStartFailed in
	// package actors) and the service backs off.
	User, Group string
	// UMask, if not nil, is the file mode creation mask the child starts
	// with (UMask= in octal, 0 to 0777); nil leaves it the supervisor's
	// process's: superd's is 0022, an embedding program's is its own.
	UMask *fs.FileMode
	// IgnoreSIGPIPE says whether the child starts with SIGPIPE ignored
	// (IgnoreSIGPIPE=, default true, as systemd's default), so that a
	// write to a closed pipe or socket fails with EPIPE instead of killing
	// it. It applies where the supervisor owns its process's signal
	// dispositions (superd: Subreaper in package actors); elsewhere the
	// child gets the embedding program's own disposition of SIGPIPE.
	IgnoreSIGPIPE bool
	// AutoStart says whether the service starts when superd starts (default true).
	AutoStart bool
	// KillSignal is the canonical signal name ("SIGTERM") sent to the process
	// group on stop (default SIGTERM).
	KillSignal string
	// TimeoutStopSec is how long a stop waits after KillSignal before it
	// SIGKILLs the process group (default 10s). Infinity (from "infinity"
	// or "0" in a file) means never SIGKILL.
	TimeoutStopSec time.Duration

	// Restart holds the restart policy keys of [Service]. In a Service
	// built in Go, a zero RestartPolicy means the defaults (see Validate).
	Restart RestartPolicy

	// Log holds the [Log] section.
	Log LogSpec

	// Hash identifies the normalised configuration: two Services with the same
	// Hash are configured identically (comments, whitespace and key order do
	// not matter). Reload uses it to tell changed services from unchanged ones.
	Hash string
}

// LogSpec is the [Log] section of a service file: how its stdout and stderr
// files are rotated.
type LogSpec struct {
	// MaxSize is the size in bytes at which a log file is rotated (default
	// 50 MiB). It is a whole number of MiB (lumberjack's unit).
	MaxSize int64
	// MaxBackups is how many rotated files are kept (default 5); 0 keeps
	// them all, as in lumberjack (MaxAge still applies).
	MaxBackups int
	// MaxAge is how long rotated files are kept; 0 keeps them forever (default).
	MaxAge time.Duration
	// Compress gzips rotated files (default false).
	Compress bool
	// RotateEvery rotates the files on a timer; 0 disables time-based
	// rotation (default).
	RotateEvery time.Duration
	// Timestamps starts each line of both files with the time superd
	// wrote it, in UTC to the millisecond ("2026-01-02T15:04:05.000Z ")
	// (default false: the output is copied byte for byte).
	Timestamps bool
}

// Defaults for the keys whose value is not given.
const (
	DefaultKillSignal     = "SIGTERM"
	DefaultTimeoutStopSec = 10 * time.Second
	DefaultLogMaxSize     = 50 << 20
	DefaultLogMaxBackups  = 5
)

// RestartMode is the value of Restart=, with systemd's meanings.
type RestartMode string

// Restart modes. A "clean" end is exit code 0, or one of SIGHUP, SIGINT,
// SIGTERM, SIGPIPE, or a status listed in SuccessExitStatus=; anything else
// is unclean. An "abnormal" end is an unclean signal (or, later, a watchdog
// timeout).
const (
	RestartNo         RestartMode = "no"          // never restart
	RestartOnSuccess  RestartMode = "on-success"  // only after a clean end
	RestartOnFailure  RestartMode = "on-failure"  // after an unclean exit code, an unclean signal, or an exec failure (default)
	RestartOnAbnormal RestartMode = "on-abnormal" // after an unclean signal
	RestartAlways     RestartMode = "always"      // after any end
)

// ExitStatusSet is a list of exit codes and signal names, as written in
// SuccessExitStatus=, RestartPreventExitStatus= and RestartForceExitStatus=
// (e.g. "1 2 SIGKILL"). Parse and Validate sort both lists and remove
// duplicates; an empty list is nil.
type ExitStatusSet struct {
	// Codes are exit codes, 0 to MaxExitCode.
	Codes []int
	// Signals are canonical signal names ("SIGKILL", see NormalizeSignal).
	Signals []string
}

// RestartPolicy says when and how fast a service is restarted after its
// process ended without being asked to. Parse sets every field (the keys a
// file does not give get their defaults, see DefaultRestartPolicy). In a
// Service built in Go, Validate gives a RestartPolicy whose fields other
// than Mode are all zero the defaults; see Validate for the rules.
type RestartPolicy struct {
	// Mode is Restart= (default on-failure).
	Mode RestartMode
	// SuccessExitStatus lists extra statuses that count as a clean end.
	SuccessExitStatus ExitStatusSet
	// PreventExitStatus (RestartPreventExitStatus=) lists statuses after
	// which the service is never restarted, whatever Mode says.
	PreventExitStatus ExitStatusSet
	// ForceExitStatus (RestartForceExitStatus=) lists statuses after which
	// the service is always restarted, whatever Mode says.
	ForceExitStatus ExitStatusSet
	// Delay (RestartSec=) is the delay before the first restart of a streak
	// of failures (default 100ms). It doubles with each consecutive failure.
	Delay time.Duration
	// MaxDelay (RestartMaxDelaySec=) caps the delay; it is at least Delay
	// (default 30s, or Delay when that is longer).
	MaxDelay time.Duration
	// StableAfter (StableSec=) is how long a run must last to reset the
	// streak and, unless StartLimitInterval is Infinity, empty the start
	// limit's window (default 10s).
	StableAfter time.Duration
	// StartLimitBurst (StartLimitBurst=) is how many starts are allowed
	// within StartLimitInterval before the service gives up in state fatal
	// (default 10). It is at least 1.
	StartLimitBurst int
	// StartLimitInterval (StartLimitIntervalSec=) is the window of
	// StartLimitBurst (default 10min). 0 means no start limit: the service
	// never gives up (StartLimitIntervalSec=0 in a file). Infinity
	// (StartLimitIntervalSec=infinity) is a window that never ends, as in
	// systemd: at most StartLimitBurst starts in all, however far apart.
	StartLimitInterval time.Duration
	// Cooldown (RestartCooldownSec=) is how long a fatal service waits
	// before it is tried again from scratch; 0 means never (default;
	// RestartCooldownSec=0 or infinity in a file).
	Cooldown time.Duration
}

// Defaults of the restart policy.
const (
	DefaultRestartMode        = RestartOnFailure
	DefaultRestartDelay       = 100 * time.Millisecond
	DefaultRestartMaxDelay    = 30 * time.Second
	DefaultStableAfter        = 10 * time.Second
	DefaultStartLimitBurst    = 10
	DefaultStartLimitInterval = 10 * time.Minute
)

// Clone returns a deep copy of s: changing one does not change the other.
func (s *Service) Clone() *Service {
	c := *s
	c.ExecStart = slices.Clone(s.ExecStart)
	c.Environment = slices.Clone(s.Environment)
	c.EnvironmentFiles = slices.Clone(s.EnvironmentFiles)
	if s.UMask != nil {
		m := *s.UMask
		c.UMask = &m
	}
	for _, set := range []*ExitStatusSet{&c.Restart.SuccessExitStatus, &c.Restart.PreventExitStatus, &c.Restart.ForceExitStatus} {
		set.Codes = slices.Clone(set.Codes)
		set.Signals = slices.Clone(set.Signals)
	}
	return &c
}
