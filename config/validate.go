package config

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kballard/go-shellquote"
)

// New returns a Service named name that runs argv, with every other field at
// its default (as if the service file set only ExecStart=) and Hash set. It
// does not validate anything: an embedder that sets more fields calls
// Validate afterwards, which checks them and recomputes Hash.
func New(name string, argv ...string) *Service {
	s := defaults(name)
	s.ExecStart = slices.Clone(argv)
	s.Hash = s.ComputeHash()
	return &s
}

// Validate checks a Service built in Go with the rules Parse applies to
// service files, normalises it as Parse does and sets its Hash. It fills in
// the defaults of the fields whose zero value is not valid: KillSignal ""
// becomes SIGTERM, TimeoutStopSec 0 becomes 10s (use Infinity to never
// SIGKILL), Log.MaxSize 0 becomes 50 MiB and Restart.Mode "" becomes
// on-failure. AutoStart, IgnoreSIGPIPE and Log.MaxBackups are left alone
// since their zero values are valid; New sets their defaults.
//
// Restart is all or nothing: when every field of Restart but Mode is zero
// (as in a zero RestartPolicy, or RestartPolicy{Mode: RestartNo}), they all
// get the defaults of DefaultRestartPolicy. Otherwise they are taken as
// they are, zeros included (Delay 0 restarts at once, StartLimitInterval 0
// turns the start limit off), and checked: StartLimitBurst must be ≥ 1 and
// MaxDelay ≥ Delay. So to change one setting, start from New or from
// DefaultRestartPolicy. A Service built in Go that must not be restarted
// sets Restart.Mode to RestartNo: an empty Mode means on-failure.
//
// Normalising means: KillSignal and the signals of the exit status lists
// get their canonical names ("term" becomes "SIGTERM"), Restart.Mode is
// lowercased, the exit status lists are sorted and rid of duplicates (empty
// lists become nil), Cooldown of Infinity becomes 0
// (off, as "infinity" in a file), WorkingDirectory is cleaned, and the
// Environment entries overridden by later ones are dropped.
//
// Validate modifies s, so call it before sharing s. A Service returned by
// Parse passes Validate unchanged. The error is an *Error or Errors, as for
// Parse, without line numbers; s.Hash is only set when s is valid.
func Validate(s *Service) error {
	if s == nil {
		return errors.New("config: nil Service")
	}
	el := &errorList{file: s.File}
	invalid := func(section, key, value string, err error) {
		el.add(0, section, key, fmt.Errorf("%w %s: %w", ErrInvalidValue, quoteValue(value), err))
	}
	if err := ValidateName(s.Name); err != nil {
		el.add(0, "", "", err)
	}
	if err := checkNoNUL(s.Description); err != nil {
		invalid(sectionUnit, keyDescription, s.Description, err)
	} else if err := checkOneLine(s.Description); err != nil {
		invalid(sectionUnit, keyDescription, s.Description, err)
	}
	if err := checkExecStart(s.ExecStart); err != nil {
		invalid(sectionService, keyExecStart, shellquote.Join(s.ExecStart...), err)
	}
	if s.WorkingDirectory != "" {
		if err := checkWorkingDirectory(s.WorkingDirectory); err != nil {
			invalid(sectionService, keyWorkingDirectory, s.WorkingDirectory, err)
		} else {
			s.WorkingDirectory = filepath.Clean(s.WorkingDirectory)
		}
	}
	for i, kv := range s.Environment {
		if err := checkEnvAssignment(kv); err != nil {
			// Not the value, often a password: the entry and its
			// variable's name.
			el.add(0, sectionService, keyEnvironment, fmt.Errorf("%w: Environment[%d]: %w", ErrInvalidValue, i, err))
		}
	}
	if s.User != "" {
		if err := checkUserGroup(s.User); err != nil {
			invalid(sectionService, keyUser, s.User, err)
		}
	}
	if s.Group != "" {
		if err := checkUserGroup(s.Group); err != nil {
			invalid(sectionService, keyGroup, s.Group, err)
		}
	}
	if s.UMask != nil && *s.UMask&^0o777 != 0 {
		invalid(sectionService, keyUMask, fmt.Sprintf("%#o", *s.UMask), errUMaskRange)
	}
	if s.KillSignal == "" {
		s.KillSignal = DefaultKillSignal
	} else if sig, err := NormalizeSignal(s.KillSignal); err != nil {
		invalid(sectionService, keyKillSignal, s.KillSignal, err)
	} else if err := checkKillSignal(sig); err != nil {
		invalid(sectionService, keyKillSignal, s.KillSignal, err)
	} else {
		s.KillSignal = sig
	}
	switch {
	case s.TimeoutStopSec == 0:
		s.TimeoutStopSec = DefaultTimeoutStopSec
	case s.TimeoutStopSec < 0:
		invalid(sectionService, keyTimeoutStopSec, s.TimeoutStopSec.String(), errNegative)
	}
	validateRestart(&s.Restart, invalid)

	l := &s.Log
	if l.MaxSize == 0 {
		l.MaxSize = DefaultLogMaxSize
	} else if err := checkLogMaxSize(l.MaxSize); err != nil {
		invalid(sectionLog, keyMaxSize, strconv.FormatInt(l.MaxSize, 10), err)
	}
	if l.MaxBackups < 0 {
		invalid(sectionLog, keyMaxBackups, strconv.Itoa(l.MaxBackups), errNegative)
	}
	if l.MaxAge < 0 {
		invalid(sectionLog, keyMaxAge, l.MaxAge.String(), errNegative)
	}
	if err := checkRotateEvery(l.RotateEvery); err != nil {
		invalid(sectionLog, keyRotateEvery, l.RotateEvery.String(), err)
	}
	if err := el.err(); err != nil {
		return err
	}
	s.Environment = dedupeEnv(s.Environment)
	s.Hash = s.ComputeHash()
	return nil
}

var errNegative = errors.New("must not be negative")

// systemdPrefixes are the ExecStart= prefixes of systemd, not supported.
const systemdPrefixes = "-@+!:"

func checkExecStart(argv []string) error {
	switch {
	case len(argv) == 0:
		return errors.New("no command given")
	case argv[0] == "":
		return errors.New("empty program name")
	case strings.ContainsRune(systemdPrefixes, rune(argv[0][0])):
		return fmt.Errorf("program name starts with %q: systemd's ExecStart= prefixes (- @ + ! :) are not supported", argv[0][:1])
	}
	for _, w := range argv {
		if err := checkNoNUL(w); err != nil {
			return err
		}
	}
	return nil
}

// checkWorkingDirectory checks the value of WorkingDirectory=: an absolute
// path, without systemd's prefixes, which would otherwise be refused as
// relative paths with no word of why.
func checkWorkingDirectory(p string) error {
	switch {
	case strings.HasPrefix(p, "-"):
		return errors.New(`systemd's "-" prefix (ignore a missing directory) is not supported: give an absolute path, which must exist`)
	case p == "~" || strings.HasPrefix(p, "~/"):
		return errors.New(`systemd's "~" (the home directory of User=) is not supported: give an absolute path`)
	case slices.Contains(strings.Split(filepath.ToSlash(p), "/"), ".."):
		// As systemd refuses it: the kernel takes ".." from where a
		// symlink before it leads, not from the text before it.
		return errors.New(`a ".." component is not allowed: give the directory's own path`)
	}
	return checkAbsPath(p)
}

// checkOneLine refuses a line break in a Description: status tables and
// log lines would be broken. A service file's line cannot hold a newline,
// but it can hold a carriage return.
func checkOneLine(s string) error {
	if strings.ContainsAny(s, "\n\r") {
		return errors.New("contains a line break (a description is one line)")
	}
	return nil
}

func checkNoNUL(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("contains a NUL byte")
	}
	return nil
}

func checkAbsPath(p string) error {
	if err := checkNoNUL(p); err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(p, `"`) || strings.HasPrefix(p, "'"):
		// As ExecStart= would take it: quotes are not removed from a path.
		return errors.New("must be an absolute path, written without quotes (a path may hold spaces as it is)")
	case !filepath.IsAbs(p):
		return errors.New("must be an absolute path")
	}
	return nil
}

// checkUserGroup accepts a numeric ID or a name like those useradd accepts:
// [A-Za-z_][A-Za-z0-9_.-]* with an optional trailing $, at most 256 bytes.
func checkUserGroup(v string) error {
	if isDigits(v) {
		if n, err := strconv.ParseUint(v, 10, 32); err != nil || n == math.MaxUint32 {
			return errors.New("numeric ID out of range")
		}
		return nil
	}
	name := strings.TrimSuffix(v, "$")
	ok := name != "" && len(name) <= 256 && (isLetter(name[0]) || name[0] == '_')
	for i := 1; ok && i < len(name); i++ {
		c := name[i]
		ok = isAlnum(c) || c == '_' || c == '.' || c == '-'
	}
	if !ok {
		return errors.New("not a valid user or group name or numeric ID")
	}
	return nil
}

func checkLogMaxSize(n int64) error {
	switch {
	case n <= 0:
		return errors.New("must be positive")
	case n%(1<<20) != 0:
		return errors.New("must be a whole number of MiB, like 50M")
	}
	return nil
}

func checkRotateEvery(d time.Duration) error {
	switch {
	case d < 0:
		return errNegative
	case d > 0 && d < time.Second:
		return errors.New("must be 0 (off) or at least 1s")
	}
	return nil
}

// checkKillSignal refuses a KillSignal= (canonical name) that cannot end
// a process that does not handle it: every stop would wait its whole
// TimeoutStopSec= for the SIGKILL. Signals whose default is to end the
// process, and those a program may handle to stop gracefully (SIGWINCH
// for Apache, SIGUSR1, ...), are allowed; so is any signal this system
// has (see CheckSignalHere).
func checkKillSignal(sig string) error {
	switch sig {
	case "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU":
		return fmt.Errorf("%s suspends a process, it does not end it (SIGKILL follows TimeoutStopSec= anyway)", sig)
	case "SIGCONT":
		return errors.New("SIGCONT does not end a process (it resumes one): every stop would wait TimeoutStopSec= for the SIGKILL")
	case "SIGCHLD":
		return errors.New("SIGCHLD does not end a process (it is ignored unless handled, and means a child changed state): every stop would wait TimeoutStopSec= for the SIGKILL")
	case "SIGURG":
		return errors.New("SIGURG does not end a process (it is ignored unless handled, and means urgent data on a socket): every stop would wait TimeoutStopSec= for the SIGKILL")
	}
	// A stop would fail to send it, then wait for the SIGKILL.
	return CheckSignalHere(sig)
}
