// Command superbench measures superd side by side with the supervisors
// users would pick instead — supervisord, PM2, runit and s6 — and with the
// physical limit, a bare Go fork/exec/wait loop, in one run on one machine.
//
// It builds superd, supers and three helpers (internal/loop, the bare loop;
// internal/flood, a log writer; internal/nop, the Go no-op floor of the
// CLI figures) with the go command, then, for each
// benchmark, starts every supervisor in a temporary directory of its own
// (its own configuration, socket, PM2_HOME or service directory; never a
// system-wide one), measures it through /proc, stops it and checks that
// every process it started is gone. Supervisors run interleaved: within a
// repetition each runs once, and the order rotates, so that drift of the
// machine spreads over all of them. A peer that is not installed is skipped
// with a note.
//
// The benchmarks (-only):
//
//   - restart: SIGKILL of a sleep service's process → a new process of the
//     same parent has exec'd sleep, timed by the kernel's report of the
//     exec of the service's own copy of sleep: a fanotify FAN_OPEN_EXEC
//     mark where allowed (root), else an inotify watch of its opens (see
//     execWatch);
//   - startup: launch of the supervisor → all N services have exec'd;
//   - memory: RSS and PSS of the supervisor's own processes (not the
//     services'), and the OS threads of its main process, with N services
//     and logs on;
//   - cli: one status query for all services and one for one service;
//   - idle: CPU time of the supervisor over -idle with -idle-n idle
//     services;
//   - logs: one service writing -log-bytes to stdout as fast as it can →
//     all of it in the log file, against the bare loop's pipe and the
//     service writing straight to a file;
//   - flood: -flood-n services logging -flood-rate lines a second each,
//     with the CLI latency measured meanwhile.
//
// It prints the results as markdown tables (median and min–max of every
// figure, then superd's targets), and with -out writes them as JSON. Exit
// status: 0 when everything was measured, 1 when something failed, 2 for
// bad flags. It stops everything it started, by PID (it is the child
// subreaper of its descendants, so none can escape), also on SIGINT.
//
// superbench needs Linux: it reads /proc.
//
//	go run ./cmd/superbench [-quick] [-n 1,100,1000] [-reps 3] [-only restart,memory] [-peers superd,s6,loop] [-out results.json]
package main
