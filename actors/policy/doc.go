// Package policy decides whether and when a service is restarted after its
// process ended without being asked to. It is the arithmetic of the restart
// supervisor, with no timers, goroutines or clock of its own: the caller
// passes the time (readings of its injected monotonic clock) and the
// randomness (a func() float64 such as (*rand.Rand).Float64 from
// math/rand/v2), so every function is deterministic under test.
//
// # Outcomes and modes
//
// An [Outcome] is an exit code, a killing signal or an exec failure (the
// program never ran). [Clean] tells clean ends (exit 0, SIGHUP, SIGINT,
// SIGTERM, SIGPIPE, or SuccessExitStatus=) from unclean ones; an exec
// failure is unclean, and so is a signal that dumped core, even one listed
// in SuccessExitStatus= (as in systemd). [ShouldRestart] applies Restart= with systemd's
// meanings, after RestartPreventExitStatus= (never restart) and
// RestartForceExitStatus= (always restart); prevent wins when both match:
//
//	Restart=     exit 0   exit 3   SIGKILL   SIGTERM   exec failure   resource failure   internal failure
//	no           -        -        -         -         -              yes                yes
//	always       yes      yes      yes       yes       yes            yes                yes
//	on-success   yes      -        -         yes       -              yes                yes
//	on-failure   -        yes      yes       -         yes            yes                yes
//	on-abnormal  -        -        yes       -         -              yes                yes
//
// # Backoff
//
// A clean end that Restart= restarts (always, on-success, or a status in
// RestartForceExitStatus=) is not a failure if its run and RestartSec=
// last [CleanRestartEvery] (2 s) or more together: it is restarted after
// RestartSec=, ends the streak and empties the start limit's window
// (unless StartLimitIntervalSec= is [config.Infinity], whose limit counts
// every start, as systemd's does), so a job that does its work and exits
// 0 is restarted for ever at its RestartSec=, as systemd does. A faster one counts as a failure, so that
// a program that exits at once backs off and gives up, as systemd's
// default start limit (5 starts in 10 s) gives up on it. Consecutive failures form a streak; a run that lasted StableSec= (and at
// least MinDelay) or more starts a new one. Failure number n of a streak waits (see [Backoff])
//
//	base = min(RestartSec·2^(n−1), RestartMaxDelaySec)
//	U(0.8·base, min(1.2·base, RestartMaxDelaySec))
//
// and, from n = 2 on, never less than [MinDelay] (100ms): RestartSec=0
// restarts the first failure at once, but a crash loop never becomes a fork
// storm. The ±20% jitter keeps services that fail together from restarting
// in lockstep; RestartMaxDelaySec stays a cap, so delays that reached it
// are spread evenly over 0.8 to 1 times it.
//
// # Resource failures
//
// A start that fails because the supervisor or the system ran out of a
// resource ([ResourceFailure]: no file descriptor for the pipes, no process
// slot or memory to fork: EMFILE, ENFILE, EAGAIN, ENOMEM, ENOBUFS, and the
// EBADF of a forked child at the descriptor limit) is not a
// failure of the service, and it goes away on its own. It is retried
// whatever Restart= and the exit-status lists say, with the backoff of its
// streak (so never in a tight loop), and it never counts against the start
// limit: a service is not given up on because the supervisor was short of
// descriptors for a while. A failure of the service's own start (missing
// executable, unknown User=, a WorkingDirectory= it may not enter, an exec
// format error) is an ordinary exec failure.
//
// # Internal failures
//
// A run that the supervisor's own failure ended ([InternalFailure]: a bug
// in its code for the service, which then killed the process) is not the
// service's failure: it is restarted whatever Restart= and the exit-status
// lists say, but with the backoff of its streak and counted against the
// start limit, so that a bug that recurs at each start backs off and gives
// up as a crash loop does, instead of restarting the service in a tight
// loop.
//
// # Start limit and cooldown
//
// Every start attempt (manual, automatic, or failing to exec, but not one
// failing for lack of a resource) is recorded with [State.RecordStart]. When a restart would make more than
// StartLimitBurst= starts within StartLimitIntervalSec= (a sliding window),
// [State.Failure] gives up instead: the service is fatal and gets no more
// automatic restarts. A StartLimitIntervalSec= of [config.Infinity] is a
// window that never ends (as in systemd): at most StartLimitBurst= starts
// in all, however far apart, clean or not, restarts after clean ends
// included; 0 turns the limit off. A run of StableSec= or more, and a
// clean end that is not a failure, empty a finite window (its start and
// those before it no longer count), as they end the streak: only a crash
// loop is given up on, as supervisord and PM2 count only unstable starts,
// where systemd counts every start. With StartLimitBurst=3 a crash loop is started exactly
// 3 times. With RestartCooldownSec= > 0 the Decision says when to try again
// from scratch; [State.Reset], called on that retry, on every manual
// restart and on a manual start of a service that is stopped, exited or
// fatal, clears the fatal state, the streak and the window. A manual start
// of a service waiting for its restart (in backoff, or stopping after a
// crash) brings that restart forward but resets nothing: a script that
// keeps starting a crash-looping service must not defeat its backoff and
// its start limit.
//
// # Use
//
//	var st policy.State // one per service, owned by its supervisor
//
//	// on every start attempt:
//	st.RecordStart(svc.Restart, clock.Now())
//
//	// when the process ended on its own:
//	d := st.Failure(svc.Restart, outcome, ranFor, clock.Now(), rng.Float64)
//	switch {
//	case d.Restart:
//		// start again after d.Delay
//	case d.GiveUp:
//		// fatal; if d.Retry > 0, st.Reset() and start again after d.Retry
//	default:
//		// stays exited (d.Clean) or failed; d.Reason says why
//	}
package policy
