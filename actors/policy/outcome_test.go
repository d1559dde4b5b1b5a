package policy_test

import (
	"testing"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/config"
)

// The outcomes of the acceptance matrix, plus an exec failure.
var (
	exit0   = policy.Exited(0)
	exit3   = policy.Exited(3)
	sigkill = policy.Killed("SIGKILL")
	sigterm = policy.Killed("SIGTERM")
	execErr = policy.ExecFailure()
)

func TestShouldRestartMatrix(t *testing.T) {
	outcomes := []policy.Outcome{exit0, exit3, sigkill, sigterm, execErr}
	// want[mode] is the answer for each outcome above, in order.
	want := map[config.RestartMode][5]bool{
		config.RestartNo:         {false, false, false, false, false},
		config.RestartAlways:     {true, true, true, true, true},
		config.RestartOnSuccess:  {true, false, false, true, false},
		config.RestartOnFailure:  {false, true, true, false, true},
		config.RestartOnAbnormal: {false, false, true, false, false},
		"":                       {false, true, true, false, true}, // default: on-failure
		"sometimes":              {false, false, false, false, false},
	}
	for mode, answers := range want {
		for i, o := range outcomes {
			p := config.RestartPolicy{Mode: mode}
			if got := policy.ShouldRestart(p, o); got != answers[i] {
				t.Errorf("Restart=%q, %v: ShouldRestart = %v, want %v", mode, o, got, answers[i])
			}
		}
	}
}

func TestClean(t *testing.T) {
	success := config.ExitStatusSet{Codes: []int{3, 75}, Signals: []string{"SIGUSR1"}}
	tests := []struct {
		o       policy.Outcome
		success config.ExitStatusSet
		want    bool
	}{
		{exit0, config.ExitStatusSet{}, true},
		{exit3, config.ExitStatusSet{}, false},
		{policy.Exited(-1), config.ExitStatusSet{}, false},
		{policy.Killed("SIGHUP"), config.ExitStatusSet{}, true},
		{policy.Killed("SIGINT"), config.ExitStatusSet{}, true},
		{sigterm, config.ExitStatusSet{}, true},
		{policy.Killed("SIGPIPE"), config.ExitStatusSet{}, true},
		{sigkill, config.ExitStatusSet{}, false},
		{policy.Killed("SIGSEGV"), config.ExitStatusSet{}, false},
		{execErr, config.ExitStatusSet{}, false},
		{exit3, success, true},
		{policy.Exited(75), success, true},
		{policy.Exited(4), success, false},
		{exit0, success, true},
		{policy.Killed("SIGUSR1"), success, true},
		{sigkill, success, false},
		// Code is ignored for signals and exec failures.
		{policy.Outcome{Code: 3, Signal: "SIGKILL"}, success, false},
		{policy.Outcome{Code: 0, ExecFailed: true}, success, false},
		{policy.Outcome{Signal: "SIGTERM", ExecFailed: true}, success, false},
		// A code in the signal list or a signal in the code list does not match.
		{policy.Exited(10), config.ExitStatusSet{Signals: []string{"SIGUSR1"}}, false},
	}
	for _, tt := range tests {
		p := config.RestartPolicy{SuccessExitStatus: tt.success}
		if got := policy.Clean(p, tt.o); got != tt.want {
			t.Errorf("Clean(%v, success %v) = %v, want %v", tt.o, tt.success, got, tt.want)
		}
	}
}

func TestSuccessExitStatusChangesModes(t *testing.T) {
	p := config.RestartPolicy{SuccessExitStatus: config.ExitStatusSet{Codes: []int{3}, Signals: []string{"SIGKILL"}}}
	for _, tt := range []struct {
		mode config.RestartMode
		o    policy.Outcome
		want bool
	}{
		{config.RestartOnFailure, exit3, false},
		{config.RestartOnFailure, sigkill, false},
		{config.RestartOnFailure, policy.Exited(4), true},
		{config.RestartOnSuccess, exit3, true},
		{config.RestartOnSuccess, sigkill, true},
		{config.RestartOnAbnormal, sigkill, false},
		{config.RestartOnAbnormal, policy.Killed("SIGSEGV"), true},
		{config.RestartAlways, exit3, true},
	} {
		p.Mode = tt.mode
		if got := policy.ShouldRestart(p, tt.o); got != tt.want {
			t.Errorf("Restart=%s, SuccessExitStatus=3 SIGKILL, %v: got %v, want %v", tt.mode, tt.o, got, tt.want)
		}
	}
}

func TestPreventAndForce(t *testing.T) {
	set := func(codes []int, sigs ...string) config.ExitStatusSet {
		return config.ExitStatusSet{Codes: codes, Signals: sigs}
	}
	tests := []struct {
		name           string
		mode           config.RestartMode
		prevent, force config.ExitStatusSet
		o              policy.Outcome
		want           bool
		reason         string
	}{
		{"prevent beats always", config.RestartAlways, set([]int{3}), set(nil), exit3, false, "exit code 3 is in RestartPreventExitStatus"},
		{"prevent signal", config.RestartOnFailure, set(nil, "SIGKILL"), set(nil), sigkill, false, "signal SIGKILL is in RestartPreventExitStatus"},
		{"prevent other code", config.RestartOnFailure, set([]int{4}), set(nil), exit3, true, "exit code 3 (unclean) with Restart=on-failure"},
		{"force beats no", config.RestartNo, set(nil), set([]int{0}), exit0, true, "exit code 0 is in RestartForceExitStatus"},
		{"force signal beats on-failure", config.RestartOnFailure, set(nil), set(nil, "SIGTERM"), sigterm, true, "signal SIGTERM is in RestartForceExitStatus"},
		{"force other signal", config.RestartNo, set(nil), set(nil, "SIGTERM"), sigkill, false, "signal SIGKILL (unclean) with Restart=no"},
		{"prevent wins over force", config.RestartAlways, set([]int{3}), set([]int{3}), exit3, false, "exit code 3 is in RestartPreventExitStatus"},
		{"lists never match exec failure", config.RestartOnFailure, set([]int{0, 3}, "SIGKILL"), set(nil), execErr, true, "exec failure (unclean) with Restart=on-failure"},
		{"force never matches exec failure", config.RestartNo, set(nil), set([]int{0}), execErr, false, "exec failure (unclean) with Restart=no"},
		{"clean reason", config.RestartOnFailure, set(nil), set(nil), exit0, false, "exit code 0 (clean) with Restart=on-failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := config.RestartPolicy{Mode: tt.mode, PreventExitStatus: tt.prevent, ForceExitStatus: tt.force, StableAfter: config.DefaultStableAfter}
			if got := policy.ShouldRestart(p, tt.o); got != tt.want {
				t.Errorf("ShouldRestart = %v, want %v", got, tt.want)
			}
			var st policy.State
			// A run long enough for a clean end to be no failure (see
			// CleanRestartEvery), whose reason would say so.
			d := st.Failure(p, tt.o, policy.CleanRestartEvery, t0, nil)
			if d.Restart != tt.want || d.Reason != tt.reason {
				t.Errorf("Failure = %+v, want Restart %v, Reason %q", d, tt.want, tt.reason)
			}
		})
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[policy.Outcome]string{
		exit0:                                 "exit code 0",
		policy.Exited(-1):                     "exit code -1",
		sigkill:                               "signal SIGKILL",
		execErr:                               "exec failure",
		{Code: 9, Signal: "SIGSEGV"}:          "signal SIGSEGV",
		{Signal: "SIGSEGV", ExecFailed: true}: "exec failure",
	} {
		if got := o.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", o, got, want)
		}
	}
}

// TestCoreDumpIsNeverClean: a signal that dumped core is a crash, as
// systemd's is_clean_exit has it, even when SuccessExitStatus= lists the
// signal; it still matches the exit-status lists as its signal does.
func TestCoreDumpIsNeverClean(t *testing.T) {
	abrt := policy.Outcome{Signal: "SIGABRT", CoreDumped: true}
	listed := config.RestartPolicy{SuccessExitStatus: config.ExitStatusSet{Signals: []string{"SIGABRT"}}}
	if policy.Clean(listed, abrt) {
		t.Error("a core dump of a signal in SuccessExitStatus counts as clean")
	}
	if !policy.Clean(listed, policy.Killed("SIGABRT")) {
		t.Error("SIGABRT in SuccessExitStatus, without a core dump, is not clean")
	}
	for mode, want := range map[config.RestartMode]bool{
		config.RestartOnSuccess:  false,
		config.RestartOnFailure:  true,
		config.RestartOnAbnormal: true,
	} {
		p := listed
		p.Mode = mode
		if got := policy.ShouldRestart(p, abrt); got != want {
			t.Errorf("Restart=%s, %v with SuccessExitStatus=SIGABRT: ShouldRestart = %v, want %v", mode, abrt, got, want)
		}
	}
	prevented := config.RestartPolicy{Mode: config.RestartAlways, PreventExitStatus: config.ExitStatusSet{Signals: []string{"SIGABRT"}}}
	if policy.ShouldRestart(prevented, abrt) {
		t.Error("a core dump of a signal in RestartPreventExitStatus is restarted")
	}
	forced := config.RestartPolicy{Mode: config.RestartNo, ForceExitStatus: config.ExitStatusSet{Signals: []string{"SIGABRT"}}}
	if !policy.ShouldRestart(forced, abrt) {
		t.Error("a core dump of a signal in RestartForceExitStatus is not restarted")
	}
	if got, want := abrt.String(), "signal SIGABRT (core dumped)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}
