package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// withRestart returns the default policy changed by f.
func withRestart(f func(p *RestartPolicy)) RestartPolicy {
	p := DefaultRestartPolicy()
	f(&p)
	return p
}

func TestDefaultRestartPolicy(t *testing.T) {
	want := RestartPolicy{
		Mode:               RestartOnFailure,
		Delay:              100 * time.Millisecond,
		MaxDelay:           30 * time.Second,
		StableAfter:        10 * time.Second,
		StartLimitBurst:    10,
		StartLimitInterval: 10 * time.Minute,
	}
	if got := DefaultRestartPolicy(); !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultRestartPolicy() = %#v\nwant %#v", got, want)
	}
}

func TestParseRestart(t *testing.T) {
	tests := []struct {
		in   string // the restart keys
		want RestartPolicy
	}{
		{"", DefaultRestartPolicy()},
		{"Restart=no", withRestart(func(p *RestartPolicy) { p.Mode = RestartNo })},
		{"Restart=on-success", withRestart(func(p *RestartPolicy) { p.Mode = RestartOnSuccess })},
		{"Restart=on-failure", DefaultRestartPolicy()},
		{"Restart=on-abnormal", withRestart(func(p *RestartPolicy) { p.Mode = RestartOnAbnormal })},
		{"Restart=always", withRestart(func(p *RestartPolicy) { p.Mode = RestartAlways })},
		{"Restart=ALWAYS", withRestart(func(p *RestartPolicy) { p.Mode = RestartAlways })},
		{"Restart=On-Success", withRestart(func(p *RestartPolicy) { p.Mode = RestartOnSuccess })},

		// Exit statuses: numbers are exit codes, names are signals; the
		// lists accumulate, sorted and without duplicates.
		{"SuccessExitStatus=15 TERM 0 255", withRestart(func(p *RestartPolicy) {
			p.SuccessExitStatus = ExitStatusSet{Codes: []int{0, 15, 255}, Signals: []string{"SIGTERM"}}
		})},
		{"SuccessExitStatus=3\nSuccessExitStatus=SIGUSR1 usr2\nSuccessExitStatus=sigusr1 3 003", withRestart(func(p *RestartPolicy) {
			p.SuccessExitStatus = ExitStatusSet{Codes: []int{3}, Signals: []string{"SIGUSR1", "SIGUSR2"}}
		})},
		{"SuccessExitStatus=\t1 \t 2\t", withRestart(func(p *RestartPolicy) {
			p.SuccessExitStatus = ExitStatusSet{Codes: []int{1, 2}}
		})},
		{"RestartPreventExitStatus=RTMIN+3 sigrtmin+3", withRestart(func(p *RestartPolicy) {
			p.PreventExitStatus = ExitStatusSet{Signals: []string{"SIGRTMIN+3"}}
		})},
		{"RestartPreventExitStatus=SIGKILL", withRestart(func(p *RestartPolicy) {
			p.PreventExitStatus = ExitStatusSet{Signals: []string{"SIGKILL"}}
		})},
		{"RestartForceExitStatus=42\nRestartPreventExitStatus=43", withRestart(func(p *RestartPolicy) {
			p.ForceExitStatus = ExitStatusSet{Codes: []int{42}}
			p.PreventExitStatus = ExitStatusSet{Codes: []int{43}}
		})},

		// RestartSec= and RestartMaxDelaySec=.
		{"RestartSec=0", withRestart(func(p *RestartPolicy) { p.Delay = 0 })},
		{"RestartSec=2", withRestart(func(p *RestartPolicy) { p.Delay = 2 * time.Second })},
		{"RestartSec=1min", withRestart(func(p *RestartPolicy) { p.Delay, p.MaxDelay = time.Minute, time.Minute })},
		{"RestartMaxDelaySec=5min", withRestart(func(p *RestartPolicy) { p.MaxDelay = 5 * time.Minute })},
		{"RestartMaxDelaySec=100ms", withRestart(func(p *RestartPolicy) { p.MaxDelay = 100 * time.Millisecond })},
		{"RestartSec=0\nRestartMaxDelaySec=0", withRestart(func(p *RestartPolicy) { p.Delay, p.MaxDelay = 0, 0 })},
		{"RestartSec=1min\nRestartMaxDelaySec=60s", withRestart(func(p *RestartPolicy) { p.Delay, p.MaxDelay = time.Minute, time.Minute })},
		{"RestartMaxDelaySec=1s\nRestartSec=500ms", withRestart(func(p *RestartPolicy) { p.Delay, p.MaxDelay = 500*time.Millisecond, time.Second })},

		{"StableSec=0", withRestart(func(p *RestartPolicy) { p.StableAfter = 0 })},
		{"StableSec=1h 30min", withRestart(func(p *RestartPolicy) { p.StableAfter = 90 * time.Minute })},
		{"StartLimitBurst=1", withRestart(func(p *RestartPolicy) { p.StartLimitBurst = 1 })},
		{"StartLimitBurst=0100", withRestart(func(p *RestartPolicy) { p.StartLimitBurst = 100 })},

		// 0 turns the start limit off; infinity is a window that never
		// ends (at most StartLimitBurst starts in all), as in systemd. 0
		// and infinity turn the cooldown off (0).
		{"StartLimitIntervalSec=1h", withRestart(func(p *RestartPolicy) { p.StartLimitInterval = time.Hour })},
		{"StartLimitIntervalSec=0", withRestart(func(p *RestartPolicy) { p.StartLimitInterval = 0 })},
		{"StartLimitIntervalSec=0s", withRestart(func(p *RestartPolicy) { p.StartLimitInterval = 0 })},
		{"StartLimitIntervalSec=infinity", withRestart(func(p *RestartPolicy) { p.StartLimitInterval = Infinity })},
		{"RestartCooldownSec=5min", withRestart(func(p *RestartPolicy) { p.Cooldown = 5 * time.Minute })},
		{"RestartCooldownSec=0", DefaultRestartPolicy()},
		{"RestartCooldownSec=infinity", DefaultRestartPolicy()},
	}
	for _, tt := range tests {
		s, err := Parse("r", "r.service", []byte("[Service]\nExecStart=/bin/true\n"+tt.in+"\n"))
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(s.Restart, tt.want) {
			t.Errorf("%q:\ngot  %#v\nwant %#v", tt.in, s.Restart, tt.want)
		}
	}
}

func TestParseRestartErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Restart=on-watchdog",
			`r.service:3: [Service] Restart: invalid value "on-watchdog": systemd's on-watchdog is not supported (supers has no watchdog)`},
		{"Restart=on-abort",
			`r.service:3: [Service] Restart: invalid value "on-abort": systemd's on-abort is not supported (on-abnormal restarts after the same signals)`},
		{"Restart=yes",
			`r.service:3: [Service] Restart: invalid value "yes": expected no, on-success, on-failure, on-abnormal or always`},
		{"Restart=",
			`r.service:3: [Service] Restart: invalid value "": must not be empty`},
		{"SuccessExitStatus=",
			`r.service:3: [Service] SuccessExitStatus: invalid value "": must not be empty`},
		{"SuccessExitStatus=00256",
			`r.service:3: [Service] SuccessExitStatus: invalid value "00256": exit code 00256 out of range (0-255)`},
		{"SuccessExitStatus=99999999999999999999",
			`r.service:3: [Service] SuccessExitStatus: invalid value "99999999999999999999": exit code 99999999999999999999 out of range (0-255)`},
		{"RestartForceExitStatus=1,2",
			`r.service:3: [Service] RestartForceExitStatus: invalid value "1,2": "1,2" is neither an exit code (0-255), an exit status name nor a signal name`},
		{"RestartPreventExitStatus=SIGRTMIN+31",
			`r.service:3: [Service] RestartPreventExitStatus: invalid value "SIGRTMIN+31": "SIGRTMIN+31" is neither an exit code (0-255), an exit status name nor a signal name`},
		{"RestartSec=-1",
			`r.service:3: [Service] RestartSec: invalid value "-1": negative durations are not allowed`},
		{"RestartMaxDelaySec=infinity",
			`r.service:3: [Service] RestartMaxDelaySec: invalid value "infinity": infinity is not allowed here`},
		{"StableSec=infinity",
			`r.service:3: [Service] StableSec: invalid value "infinity": infinity is not allowed here`},
		{"StartLimitBurst=-1",
			`r.service:3: [Service] StartLimitBurst: invalid value "-1": expected a whole number ≥ 1`},
		{"StartLimitBurst=many",
			`r.service:3: [Service] StartLimitBurst: invalid value "many": expected a whole number ≥ 1`},
		{"StartLimitBurst=99999999999999999999",
			`r.service:3: [Service] StartLimitBurst: invalid value "99999999999999999999": number out of range`},
		{"StartLimitIntervalSec=-1s",
			`r.service:3: [Service] StartLimitIntervalSec: invalid value "-1s": negative durations are not allowed`},
		{"RestartCooldownSec=Infinity",
			`r.service:3: [Service] RestartCooldownSec: invalid value "Infinity": expected a number at "Infinity"`},

		// RestartMaxDelaySec= must not be below RestartSec=, given or not.
		{"RestartSec=1min\nRestartMaxDelaySec=30s",
			`r.service:4: [Service] RestartMaxDelaySec: invalid value "30s": must be at least RestartSec (1min)`},
		{"RestartMaxDelaySec=30s\nRestartSec=1min",
			`r.service:3: [Service] RestartMaxDelaySec: invalid value "30s": must be at least RestartSec (1min)`},
		{"RestartMaxDelaySec=50ms",
			`r.service:3: [Service] RestartMaxDelaySec: invalid value "50ms": must be at least RestartSec (100ms, the default)`},
		{"RestartMaxDelaySec=0",
			`r.service:3: [Service] RestartMaxDelaySec: invalid value "0": must be at least RestartSec (100ms, the default)`},
		// No comparison with a value that is itself invalid.
		{"RestartSec=soon\nRestartMaxDelaySec=0",
			`r.service:3: [Service] RestartSec: invalid value "soon": expected a number at "soon"`},
		{"RestartSec=\nRestartMaxDelaySec=0",
			`r.service:3: [Service] RestartSec: invalid value "": must not be empty`},
		{"RestartSec=1min\nRestartMaxDelaySec=\nRestartMaxDelaySec=1s",
			`r.service:4: [Service] RestartMaxDelaySec: invalid value "": must not be empty` + "\n" +
				`r.service:5: [Service] RestartMaxDelaySec: duplicate key (first set on line 4)`},

		{"StartLimitBurst=1\nStartLimitBurst=2",
			`r.service:4: [Service] StartLimitBurst: duplicate key (first set on line 3)`},
	}
	for _, tt := range tests {
		s, err := Parse("r", "r.service", []byte("[Service]\nExecStart=/bin/true\n"+tt.in+"\n"))
		if err == nil {
			t.Errorf("%q: no error; parsed %#v", tt.in, s.Restart)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%q:\ngot  %s\nwant %s", tt.in, got, tt.want)
		}
		if !errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrDuplicateKey) {
			t.Errorf("%q: %v is neither ErrInvalidValue nor ErrDuplicateKey", tt.in, err)
		}
	}
}

func TestValidateRestartDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   RestartPolicy
		want RestartPolicy
	}{
		{"zero", RestartPolicy{}, DefaultRestartPolicy()},
		{"only Mode", RestartPolicy{Mode: RestartNo},
			withRestart(func(p *RestartPolicy) { p.Mode = RestartNo })},
		{"only Mode, any case", RestartPolicy{Mode: "Always"},
			withRestart(func(p *RestartPolicy) { p.Mode = RestartAlways })},
		{"explicit zeros are kept", RestartPolicy{Mode: RestartAlways, StartLimitBurst: 1},
			RestartPolicy{Mode: RestartAlways, StartLimitBurst: 1}},
		{"empty Mode is on-failure", RestartPolicy{Delay: time.Second, MaxDelay: time.Second, StartLimitBurst: 2},
			RestartPolicy{Mode: RestartOnFailure, Delay: time.Second, MaxDelay: time.Second, StartLimitBurst: 2}},
		{"Infinity turns the cooldown off, and keeps the limit over all time",
			withRestart(func(p *RestartPolicy) { p.StartLimitInterval, p.Cooldown = Infinity, Infinity }),
			withRestart(func(p *RestartPolicy) { p.StartLimitInterval, p.Cooldown = Infinity, 0 })},
		{"lists are normalised",
			withRestart(func(p *RestartPolicy) {
				p.SuccessExitStatus = ExitStatusSet{Codes: []int{3, 1, 3}, Signals: []string{"usr2", "SIGUSR1", "USR1"}}
				p.PreventExitStatus = ExitStatusSet{Codes: []int{}, Signals: []string{}}
				p.ForceExitStatus = ExitStatusSet{Signals: []string{"9"}}
			}),
			withRestart(func(p *RestartPolicy) {
				p.SuccessExitStatus = ExitStatusSet{Codes: []int{1, 3}, Signals: []string{"SIGUSR1", "SIGUSR2"}}
				p.ForceExitStatus = ExitStatusSet{Signals: []string{"SIGKILL"}}
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New("v", "/bin/true")
			s.Restart = tt.in
			if err := Validate(s); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Restart, tt.want) {
				t.Errorf("got  %#v\nwant %#v", s.Restart, tt.want)
			}
			if s.Hash != s.ComputeHash() {
				t.Errorf("Hash not set")
			}
		})
	}

	// Validate does not write to the caller's slices.
	signals := []string{"usr1"}
	s := New("v", "/bin/true")
	s.Restart.SuccessExitStatus.Signals = signals
	if err := Validate(s); err != nil || signals[0] != "usr1" {
		t.Errorf("Validate: %v; the caller's slice became %q", err, signals)
	}
}

func TestValidateRestartErrors(t *testing.T) {
	s := New("v", "/bin/true")
	s.Restart = RestartPolicy{
		Mode:              "on-watchdog",
		SuccessExitStatus: ExitStatusSet{Codes: []int{-1, 0, 256}},
		PreventExitStatus: ExitStatusSet{Signals: []string{"SIGKILL", "NOPE"}},
		Delay:             2 * time.Second,
		MaxDelay:          time.Second,
		StableAfter:       -time.Second,
		Cooldown:          -time.Minute,
	}
	want := strings.Join([]string{
		`[Service] Restart: invalid value "on-watchdog": systemd's on-watchdog is not supported (supers has no watchdog)`,
		`[Service] SuccessExitStatus: invalid value "-1": exit code out of range (0-255)`,
		`[Service] SuccessExitStatus: invalid value "256": exit code out of range (0-255)`,
		`[Service] RestartPreventExitStatus: invalid value "NOPE": unknown signal "NOPE"`,
		`[Service] StableSec: invalid value "-1s": must not be negative`,
		`[Service] RestartCooldownSec: invalid value "-1m0s": must not be negative`,
		`[Service] RestartMaxDelaySec: invalid value "1s": must be at least RestartSec (2s)`,
		`[Service] StartLimitBurst: invalid value "0": must be at least 1`,
	}, "\n")
	if err := Validate(s); err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}

	s = New("v", "/bin/true")
	s.Restart.Delay, s.Restart.StartLimitInterval = -time.Second, -time.Second
	want = `[Service] RestartSec: invalid value "-1s": must not be negative` + "\n" +
		`[Service] StartLimitIntervalSec: invalid value "-1s": must not be negative`
	if err := Validate(s); err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}
