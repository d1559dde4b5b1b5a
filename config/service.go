package config

import "time"

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
	// WorkingDirectory is the child's working directory ("" means superd's).
	WorkingDirectory string
	// Environment holds KEY=VALUE pairs from EnvironmentFile= then
	// Environment=, in file order; later entries win over earlier ones and
	// over superd's own environment. Parse and Validate drop the entries
	// that later ones override, so each KEY appears once.
	Environment []string
	// User and Group name the credentials the child runs with; only honoured
	// when superd runs as root. Empty means superd's own.
	User, Group string
	// AutoStart says whether the service starts when superd starts (default true).
	AutoStart bool
	// KillSignal is the canonical signal name ("SIGTERM") sent to the process
	// group on stop (default SIGTERM).
	KillSignal string
	// TimeoutStopSec is how long a stop waits after KillSignal before it
	// SIGKILLs the process group (default 10s). Infinity (from "infinity"
	// or "0" in a file) means never SIGKILL.
	TimeoutStopSec time.Duration

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
}

// Defaults for the keys whose value is not given.
const (
	DefaultKillSignal     = "SIGTERM"
	DefaultTimeoutStopSec = 10 * time.Second
	DefaultLogMaxSize     = 50 << 20
	DefaultLogMaxBackups  = 5
)
