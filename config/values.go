package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// NamePattern is the regular expression a service name matches. A name is
// also at most MaxNameLen bytes long and does not contain "..".
const NamePattern = `^[A-Za-z0-9][A-Za-z0-9_.@-]*$`

// MaxNameLen is the maximum length of a service name, in bytes.
const MaxNameLen = 64

// ValidateName reports whether name is a valid service name (see
// NamePattern). The error wraps ErrInvalidName and says what is wrong.
func ValidateName(name string) error {
	if problem := nameProblem(name); problem != "" {
		return &nameError{kind: "service", name: name, problem: problem}
	}
	return nil
}

// nameProblem says what makes name invalid as a service (or webhook) name,
// or returns "".
func nameProblem(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("longer than %d characters", MaxNameLen)
	case !isAlnum(name[0]):
		return "must start with an ASCII letter or digit"
	case strings.Contains(name, ".."):
		return `must not contain ".."`
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isAlnum(c) && !strings.ContainsRune("_.@-", rune(c)) {
			r, _ := utf8.DecodeRuneInString(name[i:])
			return fmt.Sprintf("character %q not allowed (use ASCII letters, digits, _ . @ -)", r)
		}
	}
	return ""
}

// nameError is an invalid service or webhook name. It matches
// ErrInvalidName with errors.Is.
type nameError struct {
	kind    string // "service", "webhook"
	name    string
	problem string
}

func (e *nameError) Error() string {
	return fmt.Sprintf("invalid %s name %s: %s", e.kind, quoteValue(e.name), e.problem)
}

func (e *nameError) Is(target error) bool { return target == ErrInvalidName }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// signalNames lists the POSIX signals by their Linux number (index+1).
var signalNames = [...]string{
	"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
	"SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
	"TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR",
	"SYS",
}

// The real-time signals, numbered as glibc and systemd number them: the
// kernel's first two (32 and 33) are the C library's own.
const (
	sigRTMin = 34 // SIGRTMIN; the process package names exits alike
	sigRTMax = 64 // SIGRTMAX
)

// NormalizeSignal returns the canonical name ("SIGTERM") of a signal given by
// name, with or without the SIG prefix and in any case ("TERM", "sigterm"),
// or by its Linux number ("15"). The POSIX signals HUP INT QUIT ILL TRAP
// ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP
// TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS are known, and the
// real-time signals RTMIN, RTMIN+N, RTMAX and RTMAX-N (numbers 34 to 64),
// whose canonical name is SIGRTMIN or SIGRTMIN+N, as systemd
// shows them.
func NormalizeSignal(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty signal name")
	}
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		switch {
		case err == nil && n >= 1 && n <= len(signalNames):
			return "SIG" + signalNames[n-1], nil
		case err == nil && n >= sigRTMin && n <= sigRTMax:
			return rtSignalName(n), nil
		}
		return "", fmt.Errorf("unknown signal number %s", s)
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	for _, known := range signalNames {
		if name == known {
			return "SIG" + known, nil
		}
	}
	if n, ok := rtSignalNumber(name); ok {
		return rtSignalName(n), nil
	}
	return "", fmt.Errorf("unknown signal %s", quoteValue(s))
}

// rtSignalNumber returns the number of the real-time signal name (upper
// case, without SIG): RTMIN, RTMIN+N, RTMAX or RTMAX-N, within sigRTMin to
// sigRTMax.
func rtSignalNumber(name string) (int, bool) {
	base, sign, rest := sigRTMin, 1, ""
	switch {
	case name == "RTMIN":
		return sigRTMin, true
	case name == "RTMAX":
		return sigRTMax, true
	case strings.HasPrefix(name, "RTMIN+"):
		rest = name[len("RTMIN+"):]
	case strings.HasPrefix(name, "RTMAX-"):
		base, sign, rest = sigRTMax, -1, name[len("RTMAX-"):]
	default:
		return 0, false
	}
	if !isDigits(rest) || len(rest) > 2 {
		return 0, false
	}
	off, _ := strconv.Atoi(rest)
	n := base + sign*off
	return n, n >= sigRTMin && n <= sigRTMax
}

// rtSignalName returns the canonical name of the real-time signal n.
func rtSignalName(n int) string {
	if n == sigRTMin {
		return "SIGRTMIN"
	}
	return "SIGRTMIN+" + strconv.Itoa(n-sigRTMin)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// errUMaskRange says what a file mode creation mask may be.
var errUMaskRange = errors.New("want an octal mask from 0000 to 0777, e.g. 0027")

// ParseUMask parses UMask=: an octal mask of at most 0777 ("0027", "027",
// "77", and with any number of leading zeros, "00027", as systemd reads
// it).
func ParseUMask(s string) (fs.FileMode, error) {
	if digits := strings.TrimLeft(s, "0"); s == "" || len(digits) > 3 || strings.Trim(s, "01234567") != "" {
		return 0, errUMaskRange
	}
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o777 {
		return 0, errUMaskRange
	}
	return fs.FileMode(m), nil
}

// ParseBool parses a boolean as systemd does: 1 yes y true t on, or
// 0 no n false f off, in any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return false, errors.New("expected a boolean (yes/no, true/false, on/off, 1/0)")
}

// sizeUnits are the suffixes ParseSize accepts; all are powers of 1024.
var sizeUnits = map[string]uint64{
	"": 1, "B": 1,
	"K": 1 << 10, "KiB": 1 << 10,
	"M": 1 << 20, "MiB": 1 << 20,
	"G": 1 << 30, "GiB": 1 << 30,
	"T": 1 << 40, "TiB": 1 << 40,
}

// ParseSize parses a byte count: a number, optionally with a fraction, and
// an optional unit B, K, M, G or T (also KiB, MiB, GiB, TiB), all powers of
// 1024 ("50M" is 52428800, "1.5K" is 1536). The result must be a whole
// number of bytes and fit in an int64.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty size")
	}
	if s[0] == '-' {
		return 0, errors.New("negative sizes are not allowed")
	}
	n, rest, ok := leadingNumber(s)
	if !ok {
		return 0, fmt.Errorf("expected a number at %s", quoteValue(s))
	}
	unit := strings.TrimLeft(rest, " \t")
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("unknown size unit %s (use K, M, G or T)", quoteValue(unit))
	}
	v, exact, ok := n.scale(mult)
	switch {
	case !ok:
		return 0, errors.New("size out of range")
	case !exact:
		return 0, errors.New("not a whole number of bytes")
	}
	return v, nil
}

// Infinity is the duration ParseDurationInf returns for "infinity": the
// largest time.Duration, about 292 years. TimeoutStopSec uses it for "never
// SIGKILL"; compare with == rather than adding it to a time.
const Infinity = time.Duration(math.MaxInt64)

// durationUnits are the time units ParseDuration accepts (systemd's and Go's).
var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "nsec": time.Nanosecond,
	"us": time.Microsecond, "usec": time.Microsecond, "µs": time.Microsecond, "μs": time.Microsecond,
	"ms": time.Millisecond, "msec": time.Millisecond,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	"M": 2630016 * time.Second, "month": 2630016 * time.Second, "months": 2630016 * time.Second, // 30.44 days
	"y": 31557600 * time.Second, "year": 31557600 * time.Second, "years": 31557600 * time.Second, // 365.25 days
}

// ParseDuration parses a time span as systemd does, which includes Go's
// duration syntax: one or more components, each a number (with an optional
// fraction) followed by an optional unit, with optional spaces between them
// ("90", "1.5", "1min 30s", "1h30m", "500ms", "7d"). A number without a unit
// counts seconds. Units: ns nsec, us usec µs, ms msec, s sec second seconds,
// m min minute minutes, h hr hour hours, d day days, w week weeks,
// M month months (30.44 days), y year years (365.25 days). Units are case
// sensitive ("m" is a minute, "M" a month). Negative, empty and overflowing
// spans are errors, and so is "infinity" (see ParseDurationInf).
func ParseDuration(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "infinity" {
		return 0, errors.New("infinity is not allowed here")
	}
	return parseSpan(s)
}

// parseLogSpan is ParseDuration for MaxAge= and RotateEvery=, which refuse
// a bare number other than 0: read as seconds, as elsewhere, MaxAge=7
// (days, to a user of lumberjack or logrotate) would delete the rotated
// files 7 seconds old, RotateEvery=24 rotate every 24 seconds.
func parseLogSpan(s string) (time.Duration, error) {
	d, err := ParseDuration(s)
	if err == nil && d != 0 && hasBareNumber(s) {
		return 0, errors.New("needs a unit, like 7d, 12h, 30min or 10s: a number without one would be seconds here")
	}
	return d, err
}

// hasBareNumber reports whether the span s has a number without a unit:
// "7", "7.0", the 30 of "1d 30" or of "1d30" ("7 min", a unit after a
// space, is not one).
func hasBareNumber(s string) bool {
	words := strings.Fields(s)
	for i, w := range words {
		last := w[len(w)-1]
		if last != '.' && (last < '0' || last > '9') {
			continue // ends with its unit
		}
		if strings.Trim(w, "0123456789.") == "" && i+1 < len(words) {
			if c := words[i+1][0]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				continue // its unit is the next word
			}
		}
		return true
	}
	return false
}

// ParseDurationInf is ParseDuration that also accepts "infinity", for which
// it returns Infinity.
func ParseDurationInf(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "infinity" {
		return Infinity, nil
	}
	return parseSpan(s)
}

func parseSpan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if s[0] == '-' {
		return 0, errors.New("negative durations are not allowed")
	}
	var total int64
	for s != "" {
		n, rest, ok := leadingNumber(s)
		if !ok {
			return 0, fmt.Errorf("expected a number at %s", quoteValue(s))
		}
		spaced := strings.TrimLeft(rest, " \t")
		i := strings.IndexFunc(spaced, func(r rune) bool { return !unicode.IsLetter(r) })
		if i < 0 {
			i = len(spaced)
		}
		unitName := spaced[:i]
		unit := time.Second
		switch {
		case unitName != "":
			if unit, ok = durationUnits[unitName]; !ok {
				return 0, fmt.Errorf("unknown time unit %s", quoteValue(unitName))
			}
		case rest != "" && rest == spaced:
			// A number without a unit must end the span or be followed by
			// a space: "1.2.3" and "5x" are garbage, not "1.2s + 0.3s".
			return 0, fmt.Errorf("unexpected %s after a number", quoteValue(rest))
		}
		v, _, ok := n.scale(uint64(unit))
		if !ok || total > math.MaxInt64-v {
			return 0, errors.New("duration out of range")
		}
		total += v
		s = strings.TrimLeft(spaced[i:], " \t")
	}
	return time.Duration(total), nil
}

// number is a non-negative decimal number: whole + frac/10^digits.
type number struct {
	whole  uint64
	frac   uint64 // the first fracDigits digits after the point
	digits int    // number of fraction digits kept in frac (at most 18)
	big    bool   // whole does not fit in a uint64
}

// leadingNumber parses the digits[.digits] at the start of s. ok is false
// when s does not start with a digit or with a point followed by a digit.
func leadingNumber(s string) (n number, rest string, ok bool) {
	i, seen := 0, false
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		seen = true
		d := uint64(s[i] - '0')
		if n.whole > (math.MaxUint64-d)/10 {
			n.big = true
		}
		n.whole = n.whole*10 + d
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			seen = true
			if n.digits < 18 { // further digits are below the resolution
				n.frac = n.frac*10 + uint64(s[i]-'0')
				n.digits++
			}
		}
	}
	return n, s[i:], seen
}

// scale returns n*mult truncated to an integer, whether that was exact, and
// whether the result fits in an int64.
func (n number) scale(mult uint64) (v int64, exact, ok bool) {
	hi, whole := bits.Mul64(n.whole, mult)
	if n.big || hi != 0 || whole > math.MaxInt64 {
		return 0, false, false
	}
	pow := uint64(1)
	for range n.digits {
		pow *= 10
	}
	// frac < pow, so frac*mult/pow < mult and the division cannot overflow.
	fhi, flo := bits.Mul64(n.frac, mult)
	part, rem := bits.Div64(fhi, flo, pow)
	if whole > math.MaxInt64-part {
		return 0, false, false
	}
	return int64(whole + part), rem == 0, true
}
