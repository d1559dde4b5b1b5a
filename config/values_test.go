package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	good := map[string]time.Duration{
		"0":                        0,
		"5":                        5 * time.Second,
		"1.5":                      1500 * time.Millisecond,
		" 90 ":                     90 * time.Second,
		".5":                       500 * time.Millisecond,
		"5.":                       5 * time.Second,
		"1min 30s":                 90 * time.Second,
		"1min30s":                  90 * time.Second,
		"1 min 30 s":               90 * time.Second,
		"1min 30":                  90 * time.Second,
		"1h30m":                    90 * time.Minute,
		"1m30s":                    90 * time.Second,
		"2h45m30.5s":               2*time.Hour + 45*time.Minute + 30500*time.Millisecond,
		"500ms":                    500 * time.Millisecond,
		"10msec":                   10 * time.Millisecond,
		"3us":                      3 * time.Microsecond,
		"3usec":                    3 * time.Microsecond,
		"3µs":                      3 * time.Microsecond,
		"3μs":                      3 * time.Microsecond,
		"7ns 1nsec":                8,
		"1s 1sec 1second 2seconds": 5 * time.Second,
		"1m 1min 1minute 2minutes": 5 * time.Minute,
		"1h 1hr 1hour 2hours":      5 * time.Hour,
		"1d 1day 2days":            4 * day,
		"1w 1week 2weeks":          4 * 7 * day,
		"1M":                       2630016 * time.Second,
		"1month 1months":           2 * 2630016 * time.Second,
		"1y 1year 1years":          3 * 31557600 * time.Second,
		"1.5h":                     90 * time.Minute,
		"0.1s":                     100 * time.Millisecond,
		"1.0000000001s":            time.Second,
		"1.123456789123456789123s": 1123456789,
		"9223372036.854775807s":    time.Duration(1<<63 - 1),
		"292y":                     292 * 31557600 * time.Second,
		"000000000000000000000001": time.Second,
	}
	for in, want := range good {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                      "empty duration",
		"   ":                   "empty duration",
		"infinity":              "infinity is not allowed here",
		"-5s":                   "negative durations are not allowed",
		"+5s":                   `expected a number at "+5s"`,
		"s":                     `expected a number at "s"`,
		".":                     `expected a number at "."`,
		"5x":                    `unknown time unit "x"`,
		"5 S":                   `unknown time unit "S"`,
		"5,":                    `unexpected "," after a number`,
		"1.2.3":                 `unexpected ".3" after a number`,
		"5s,":                   `expected a number at ","`,
		"5s -1s":                `expected a number at "-1s"`,
		"9223372036.854775808s": "duration out of range",
		"300y":                  "duration out of range",
		"18446744073709551616":  "duration out of range",
		"200y 100y":             "duration out of range",
	}
	for in, want := range bad {
		got, err := ParseDuration(in)
		if err == nil || err.Error() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want error %q", in, got, err, want)
		}
	}

	if d, err := ParseDurationInf(" infinity "); err != nil || d != Infinity {
		t.Errorf("ParseDurationInf(infinity) = %v, %v", d, err)
	}
	if d, err := ParseDurationInf("2s"); err != nil || d != 2*time.Second {
		t.Errorf("ParseDurationInf(2s) = %v, %v", d, err)
	}
	if _, err := ParseDurationInf("Infinity"); err == nil {
		t.Errorf("ParseDurationInf(Infinity) accepted")
	}
}

func TestParseBool(t *testing.T) {
	for _, in := range []string{"1", "yes", "YES", "y", "true", "True", "t", "on", " On "} {
		if v, err := ParseBool(in); err != nil || !v {
			t.Errorf("ParseBool(%q) = %v, %v", in, v, err)
		}
	}
	for _, in := range []string{"0", "no", "n", "false", "FALSE", "f", "off"} {
		if v, err := ParseBool(in); err != nil || v {
			t.Errorf("ParseBool(%q) = %v, %v", in, v, err)
		}
	}
	for _, in := range []string{"", "2", "yess", "enable", "nope"} {
		if _, err := ParseBool(in); err == nil {
			t.Errorf("ParseBool(%q) accepted", in)
		}
	}
}

func TestParseSize(t *testing.T) {
	good := map[string]int64{
		"0":                   0,
		"1048576":             1 << 20,
		"512B":                512,
		"1K":                  1024,
		"1.5K":                1536,
		"50M":                 50 << 20,
		"50 MiB":              50 << 20,
		"1G":                  1 << 30,
		"1GiB":                1 << 30,
		"2T":                  2 << 40,
		"0.5M":                512 << 10,
		"8388607T":            8388607 << 40,
		"9223372036854775807": 1<<63 - 1,
	}
	for in, want := range good {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                        "empty size",
		"-1M":                     "negative sizes are not allowed",
		"M":                       `expected a number at "M"`,
		"5m":                      `unknown size unit "m" (use K, M, G or T)`,
		"5MB":                     `unknown size unit "MB" (use K, M, G or T)`,
		"1.3":                     "not a whole number of bytes",
		"0.1K":                    "not a whole number of bytes",
		"8388608T":                "size out of range",
		"9223372036854775808":     "size out of range",
		"99999999999999999999999": "size out of range",
	}
	for in, want := range bad {
		if got, err := ParseSize(in); err == nil || err.Error() != want {
			t.Errorf("ParseSize(%q) = %v, %v; want error %q", in, got, err, want)
		}
	}
}

func TestNormalizeSignal(t *testing.T) {
	good := map[string]string{
		"TERM": "SIGTERM", "SIGTERM": "SIGTERM", "sigterm": "SIGTERM", "term": "SIGTERM",
		"15": "SIGTERM", "1": "SIGHUP", "9": "SIGKILL", "10": "SIGUSR1", "12": "SIGUSR2",
		"16": "SIGSTKFLT", "17": "SIGCHLD", "29": "SIGIO", "30": "SIGPWR", "31": "SIGSYS",
		"WINCH": "SIGWINCH", " INT ": "SIGINT", "SigQuit": "SIGQUIT",
		// Real-time signals, numbered as glibc and systemd number them.
		"RTMIN": "SIGRTMIN", "sigrtmin": "SIGRTMIN", "RTMIN+0": "SIGRTMIN", "RTMIN+1": "SIGRTMIN+1",
		"SIGRTMIN+3": "SIGRTMIN+3", "rtmax": "SIGRTMIN+30", "RTMAX-1": "SIGRTMIN+29", "RTMIN+30": "SIGRTMIN+30",
		"34": "SIGRTMIN", "37": "SIGRTMIN+3", "64": "SIGRTMIN+30",
	}
	for in, want := range good {
		if got, err := NormalizeSignal(in); err != nil || got != want {
			t.Errorf("NormalizeSignal(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                     "empty signal name",
		"0":                    "unknown signal number 0",
		"32":                   "unknown signal number 32",
		"99999999999999999999": "unknown signal number 99999999999999999999",
		"SIG":                  `unknown signal "SIG"`,
		"SIGSIGTERM":           `unknown signal "SIGSIGTERM"`,
		"33":                   "unknown signal number 33",
		"65":                   "unknown signal number 65",
		"RTMIN+31":             `unknown signal "RTMIN+31"`,
		"RTMAX-31":             `unknown signal "RTMAX-31"`,
		"RTMIN-1":              `unknown signal "RTMIN-1"`,
		"RTMIN+":               `unknown signal "RTMIN+"`,
		"RTMIN+1x":             `unknown signal "RTMIN+1x"`,
		"-15":                  `unknown signal "-15"`,
	}
	for in, want := range bad {
		if got, err := NormalizeSignal(in); err == nil || err.Error() != want {
			t.Errorf("NormalizeSignal(%q) = %q, %v; want error %q", in, got, err, want)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, name := range []string{"a", "web", "Web-1", "app@2", "my_app.v2", "0", strings.Repeat("x", 64)} {
		if err := ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v", name, err)
		}
	}
	bad := map[string]string{
		"":                      `invalid service name "": must not be empty`,
		strings.Repeat("x", 65): `invalid service name "` + strings.Repeat("x", 65) + `": longer than 64 characters`,
		".hidden":               `invalid service name ".hidden": must start with an ASCII letter or digit`,
		"-x":                    `invalid service name "-x": must start with an ASCII letter or digit`,
		"a..b":                  `invalid service name "a..b": must not contain ".."`,
		"a/b":                   `invalid service name "a/b": character '/' not allowed (use ASCII letters, digits, _ . @ -)`,
		"a b":                   `invalid service name "a b": character ' ' not allowed (use ASCII letters, digits, _ . @ -)`,
		"café":                  `invalid service name "café": character 'é' not allowed (use ASCII letters, digits, _ . @ -)`,
		"ünï":                   `invalid service name "ünï": must start with an ASCII letter or digit`,
	}
	for name, want := range bad {
		err := ValidateName(name)
		if err == nil || err.Error() != want || !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateName(%q) = %v, want %s", name, err, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"ExecStrat", "ExecStart", 1}, {"ab", "ba", 1}, {"Servce", "Service", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// A file name with a control character (a newline) is quoted in errors,
// so that it cannot make one error look like two lines of errors.
func TestErrorQuotesOddFileNames(t *testing.T) {
	for file, want := range map[string]string{
		"/etc/super/new\nline.service": `"/etc/super/new\nline.service":3: [Service] Bogus: unknown key`,
		"/etc/super/x\x1b[2J.service":  `"/etc/super/x\x1b[2J.service":3: [Service] Bogus: unknown key`,
		"/etc/super/café.service":      `/etc/super/café.service:3: [Service] Bogus: unknown key`,
	} {
		e := &Error{File: file, Line: 3, Section: "Service", Key: "Bogus", Err: ErrUnknownKey}
		if got := e.Error(); got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	}
}
