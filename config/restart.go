package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxExitCode is the largest exit code an ExitStatusSet may list.
const MaxExitCode = 255

// DefaultRestartPolicy returns the restart policy of a service file that
// sets none of the restart keys: Restart=on-failure, RestartSec=100ms,
// RestartMaxDelaySec=30s, StableSec=10s, StartLimitBurst=10,
// StartLimitIntervalSec=10min, no cooldown and no extra exit statuses.
// Go code that changes one setting starts from it (or from New).
func DefaultRestartPolicy() RestartPolicy {
	return RestartPolicy{
		Mode:               DefaultRestartMode,
		Delay:              DefaultRestartDelay,
		MaxDelay:           DefaultRestartMaxDelay,
		StableAfter:        DefaultStableAfter,
		StartLimitBurst:    DefaultStartLimitBurst,
		StartLimitInterval: DefaultStartLimitInterval,
	}
}

// parseRestartMode parses the value of Restart=, in any case.
func parseRestartMode(v string) (RestartMode, error) {
	m := RestartMode(strings.ToLower(strings.TrimSpace(v)))
	switch m {
	case RestartNo, RestartOnSuccess, RestartOnFailure, RestartOnAbnormal, RestartAlways:
		return m, nil
	case "on-abort":
		return "", errors.New("systemd's on-abort is not supported (on-abnormal restarts after the same signals)")
	case "on-watchdog":
		return "", errors.New("systemd's on-watchdog is not supported (supers has no watchdog)")
	}
	return "", errors.New("expected no, on-success, on-failure, on-abnormal or always")
}

// exitStatusNames maps the names of systemd's table of exit statuses
// (exit_status_mappings in its source, listed in systemd.exec(5) under
// "Process exit codes") to their exit codes. systemd accepts them, in
// upper case only, wherever it takes an exit status:
// SuccessExitStatus=TEMPFAIL is exit code 75. Its own codes (200 and up)
// are named as in that table, not as in the man page's EXIT_ constants:
// 231 is APPARMOR (EXIT_APPARMOR_PROFILE); 223 and 234 are retired and
// have no name.
var exitStatusNames = map[string]int{
	// ISO C
	"SUCCESS": 0,
	"FAILURE": 1,
	// LSB, for init scripts
	"INVALIDARGUMENT": 2,
	"NOTIMPLEMENTED":  3,
	"NOPERMISSION":    4,
	"NOTINSTALLED":    5,
	"NOTCONFIGURED":   6,
	"NOTRUNNING":      7,
	// BSD's sysexits.h (EX_USAGE...)
	"USAGE":       64,
	"DATAERR":     65,
	"NOINPUT":     66,
	"NOUSER":      67,
	"NOHOST":      68,
	"UNAVAILABLE": 69,
	"SOFTWARE":    70,
	"OSERR":       71,
	"OSFILE":      72,
	"CANTCREAT":   73,
	"IOERR":       74,
	"TEMPFAIL":    75,
	"PROTOCOL":    76,
	"NOPERM":      77,
	"CONFIG":      78,
	// systemd's own: a step of the start before exec failed
	"CHDIR":                   200,
	"NICE":                    201,
	"FDS":                     202,
	"EXEC":                    203,
	"MEMORY":                  204,
	"LIMITS":                  205,
	"OOM_ADJUST":              206,
	"SIGNAL_MASK":             207,
	"STDIN":                   208,
	"STDOUT":                  209,
	"CHROOT":                  210,
	"IOPRIO":                  211,
	"TIMERSLACK":              212,
	"SECUREBITS":              213,
	"SETSCHEDULER":            214,
	"CPUAFFINITY":             215,
	"GROUP":                   216,
	"USER":                    217,
	"CAPABILITIES":            218,
	"CGROUP":                  219,
	"SETSID":                  220,
	"CONFIRM":                 221,
	"STDERR":                  222,
	"PAM":                     224,
	"NETWORK":                 225,
	"NAMESPACE":               226,
	"NO_NEW_PRIVILEGES":       227,
	"SECCOMP":                 228,
	"SELINUX_CONTEXT":         229,
	"PERSONALITY":             230,
	"APPARMOR":                231,
	"ADDRESS_FAMILIES":        232,
	"RUNTIME_DIRECTORY":       233,
	"CHOWN":                   235,
	"SMACK_PROCESS_LABEL":     236,
	"KEYRING":                 237,
	"STATE_DIRECTORY":         238,
	"CACHE_DIRECTORY":         239,
	"LOGS_DIRECTORY":          240,
	"CONFIGURATION_DIRECTORY": 241,
	"NUMA_POLICY":             242,
	"CREDENTIALS":             243,
	"BPF":                     244,
	"KSM":                     245,
	"MEMORY_THP":              246,
	"EXCEPTION":               255,
}

// addExitStatus parses the value of SuccessExitStatus=,
// RestartPreventExitStatus= or RestartForceExitStatus= and appends its
// statuses to set, unless the value is invalid: space-separated exit codes
// (0-255), names of exit codes from systemd's table (see exitStatusNames;
// upper case, as systemd takes them) and signal names (see
// NormalizeSignal; a number is always an exit code). A name is stored as
// its number, so that TEMPFAIL and 75 give the same Service and hash. The
// lists are in the order of the value; normalized sorts them.
func addExitStatus(set *ExitStatusSet, v string) error {
	var codes []int
	var signals []string
	for _, w := range strings.Fields(v) {
		if isDigits(w) {
			code, err := strconv.Atoi(w)
			if err != nil || code > MaxExitCode {
				return fmt.Errorf("exit code %s out of range (0-%d)", w, MaxExitCode)
			}
			codes = append(codes, code)
			continue
		}
		if code, ok := exitStatusNames[w]; ok {
			codes = append(codes, code)
			continue
		}
		sig, err := NormalizeSignal(w)
		if err != nil {
			if code, ok := exitStatusNames[strings.ToUpper(w)]; ok {
				// systemd refuses it too: say how it would take it.
				return fmt.Errorf("%s is neither an exit code (0-%d), an exit status name nor a signal name (exit status names are upper case, as in systemd: %s is exit code %d)",
					quoteValue(w), MaxExitCode, strings.ToUpper(w), code)
			}
			return fmt.Errorf("%s is neither an exit code (0-%d), an exit status name nor a signal name", quoteValue(w), MaxExitCode)
		}
		signals = append(signals, sig)
	}
	set.Codes = append(set.Codes, codes...)
	set.Signals = append(set.Signals, signals...)
	return nil
}

// normalized returns a copy of s with both lists sorted and without
// duplicates; an empty list is nil. It does not check the values.
func (s ExitStatusSet) normalized() ExitStatusSet {
	var n ExitStatusSet
	if len(s.Codes) > 0 {
		n.Codes = slices.Compact(slices.Sorted(slices.Values(s.Codes)))
	}
	if len(s.Signals) > 0 {
		n.Signals = slices.Compact(slices.Sorted(slices.Values(s.Signals)))
	}
	return n
}

func (s ExitStatusSet) empty() bool { return len(s.Codes) == 0 && len(s.Signals) == 0 }

// keyedSet is an exit status list of a RestartPolicy and its key.
type keyedSet struct {
	key string
	set *ExitStatusSet
}

// exitStatusSets returns the exit status lists of p with their keys, in the
// order of the documentation.
func (p *RestartPolicy) exitStatusSets() [3]keyedSet {
	return [3]keyedSet{
		{keySuccessExitStatus, &p.SuccessExitStatus},
		{keyRestartPreventExitStatus, &p.PreventExitStatus},
		{keyRestartForceExitStatus, &p.ForceExitStatus},
	}
}

// onlyMode reports whether every field of p but Mode has its zero value.
func (p *RestartPolicy) onlyMode() bool {
	return p.SuccessExitStatus.empty() && p.PreventExitStatus.empty() && p.ForceExitStatus.empty() &&
		p.Delay == 0 && p.MaxDelay == 0 && p.StableAfter == 0 &&
		p.StartLimitBurst == 0 && p.StartLimitInterval == 0 && p.Cooldown == 0
}

// parseDurationOff parses the value of a key for which 0 and "infinity"
// both turn a feature off (RestartCooldownSec=: never tried again): both
// give 0. (StartLimitIntervalSec= is another matter: there, as in
// systemd, infinity is a window that never ends, a limit on the starts
// over all time, while 0 turns the limit off.)
func parseDurationOff(v string) (time.Duration, error) {
	d, err := ParseDurationInf(v)
	if d == Infinity {
		d = 0
	}
	return d, err
}

// parseAtLeastOne parses a decimal integer ≥ 1.
func parseAtLeastOne(v string) (int, error) {
	n, err := parseCount(v)
	switch {
	case err != nil && isDigits(v):
		return 0, err // out of range
	case err != nil || n < 1:
		return 0, errors.New("expected a whole number ≥ 1")
	}
	return n, nil
}

// restartBuilder keeps what the check of RestartMaxDelaySec= against
// RestartSec= needs: their values as written, when they parsed.
type restartBuilder struct {
	delayText, maxDelayText string
}

// finishRestart applies the default of RestartMaxDelaySec=, checks it
// against RestartSec= and normalises the exit status lists.
func (b *builder) finishRestart() {
	p := &b.svc.Restart
	for _, s := range p.exitStatusSets() {
		*s.set = s.set.normalized()
	}
	rb := &b.restart
	if _, given := b.first[keyRestartMaxDelaySec]; !given {
		p.MaxDelay = max(DefaultRestartMaxDelay, p.Delay)
		return
	}
	delayText := rb.delayText
	if _, given := b.first[keyRestartSec]; !given {
		delayText = DefaultRestartDelay.String() + ", the default"
	}
	if rb.maxDelayText == "" || delayText == "" || p.MaxDelay >= p.Delay {
		return // one of them is invalid (and reported), or they are fine
	}
	b.el.add(b.first[keyRestartMaxDelaySec], sectionService, keyRestartMaxDelaySec,
		fmt.Errorf("%w %s: must be at least RestartSec (%s)", ErrInvalidValue, quoteValue(rb.maxDelayText), delayText))
}

// validateRestart is Validate for s.Restart. It reports problems through
// invalid.
func validateRestart(p *RestartPolicy, invalid func(section, key, value string, err error)) {
	if p.onlyMode() {
		mode := p.Mode
		*p = DefaultRestartPolicy()
		if mode != "" {
			p.Mode = mode
		}
	}
	if p.Mode == "" {
		p.Mode = DefaultRestartMode
	} else if m, err := parseRestartMode(string(p.Mode)); err != nil {
		invalid(sectionService, keyRestart, string(p.Mode), err)
	} else {
		p.Mode = m
	}
	for _, s := range p.exitStatusSets() {
		for _, c := range s.set.Codes {
			if c < 0 || c > MaxExitCode {
				invalid(sectionService, s.key, strconv.Itoa(c), fmt.Errorf("exit code out of range (0-%d)", MaxExitCode))
			}
		}
		// A new slice: the caller's may be shared.
		signals := make([]string, 0, len(s.set.Signals))
		for _, sig := range s.set.Signals {
			if norm, err := NormalizeSignal(sig); err != nil {
				invalid(sectionService, s.key, sig, err)
			} else {
				signals = append(signals, norm)
			}
		}
		*s.set = ExitStatusSet{Codes: s.set.Codes, Signals: signals}.normalized()
	}
	durations := [...]struct {
		key string
		d   time.Duration
	}{
		{keyRestartSec, p.Delay},
		{keyRestartMaxDelaySec, p.MaxDelay},
		{keyStableSec, p.StableAfter},
		{keyStartLimitIntervalSec, p.StartLimitInterval},
		{keyRestartCooldownSec, p.Cooldown},
	}
	for _, d := range durations {
		if d.d < 0 {
			invalid(sectionService, d.key, d.d.String(), errNegative)
		}
	}
	if p.Delay >= 0 && p.MaxDelay >= 0 && p.MaxDelay < p.Delay {
		invalid(sectionService, keyRestartMaxDelaySec, p.MaxDelay.String(),
			fmt.Errorf("must be at least RestartSec (%s)", p.Delay))
	}
	if p.StartLimitBurst < 1 {
		invalid(sectionService, keyStartLimitBurst, strconv.Itoa(p.StartLimitBurst), errors.New("must be at least 1"))
	}
	if p.Cooldown == Infinity {
		p.Cooldown = 0
	}
}
