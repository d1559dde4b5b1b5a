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

// addExitStatus parses the value of SuccessExitStatus=,
// RestartPreventExitStatus= or RestartForceExitStatus= and appends its
// statuses to set, unless the value is invalid: space-separated exit codes
// (0-255) and signal names (see NormalizeSignal; a number is always an exit
// code). The lists are in the order of the value; normalized sorts them.
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
		sig, err := NormalizeSignal(w)
		if err != nil {
			return fmt.Errorf("%s is neither an exit code (0-%d) nor a signal name", quoteValue(w), MaxExitCode)
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
