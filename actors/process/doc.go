// Package process is the OS-process seam of the supervisor: it starts child
// processes, reaps them and signals their process groups.
//
// # Waiting without a thread per child
//
// A goroutine blocked in [os/exec.Cmd.Wait] pins an OS thread, so waiting on
// each child that way costs one thread per child. A [Manager] never calls
// cmd.Wait; it owns all waiting, and collects exit statuses with
// wait4(WNOHANG), one child at a time or all at once, routing each by pid to
// the callback given to [Manager.Start]. Whoever collects a status removes
// the child from the Manager's table under its mutex and delivers the exit,
// so each callback runs exactly once per started process, outside any lock;
// callbacks must not block, and those of different processes may run
// concurrently. Exit statuses are reported exactly as the kernel gives them.
//
// On Linux (5.3 and later) every child gets a pidfd from clone
// (SysProcAttr.PidFD), registered with one epoll instance. The exit poller,
// a single goroutine blocked in epoll_wait (one OS thread for all the
// children), wakes when a pidfd becomes readable, that is when its process
// has exited, and reaps that child alone with wait4(pid, WNOHANG). This
// costs one descriptor per running child, no goroutine per child, and
// saves, compared with SIGCHLD, the hops through the signal handler, the
// os/signal goroutine and a reap pass.
//
// Elsewhere, and for a child whose pidfd cannot be had or polled, or that
// exited while a tracer (a debugger, strace -p) holds it, which cannot be
// reaped until the tracer lets it go although its pidfd is readable, exits
// are found by reap passes on SIGCHLD: a reaper goroutine subscribes to it with
// [os/signal.Notify] (never [os/signal.Ignore], which would make the kernel
// discard exit statuses) and runs a pass on every notification.
//
// # Modes
//
// With [Options.Subreaper] (the daemon), the Manager makes the process a child
// subreaper on Linux (prctl PR_SET_CHILD_SUBREAPER), so that descendants
// orphaned by a service are reparented to it rather than to init, and each
// SIGCHLD pass reaps with wait4(-1, WNOHANG) until nothing is left to
// collect. Exits of pids that were not started by the Manager are such
// orphans: they are reaped and logged at debug level. The passes also reap
// the Manager's own children when they get there first; a child's exit
// watcher, readied by the same exit, then finds the child gone from the
// table and stops (it checks the entry, not just the pid, which may have
// been reused since). Only one subreaper-mode Manager may exist per process,
// and no other code in the process may wait for its own children, since
// wait4(-1) takes every exit status.
//
// Without it (the default: an embedded supervisor, and tests), the Manager
// never calls wait4(-1), which would steal the exit statuses of children
// other code in the process waits for. With pidfds it does not even
// subscribe to SIGCHLD, unless a child has to fall back to the passes; a
// pass calls wait4(pid, WNOHANG) for each child that has no watcher.
//
// A child can exit before its pid is registered. Forking and registering
// happen under the same mutex that reaping holds, so an exit is collected
// only once the pid is known (a pidfd stays readable, and a SIGCHLD pass
// triggered meanwhile waits for the mutex), and no exit is lost.
//
// # Start times
//
// [Handle.StartTime] is field 22 of /proc/PID/stat: the CLOCK_BOOTTIME at
// which clone created the process, in clock ticks (USER_HZ, 100 a second on
// every architecture Go supports; the Manager takes it from the auxiliary
// vector). The spawner reads that clock just before and just after the
// fork; when both readings fall in the same tick, as they do for most forks
// (a fork takes about 1 ms, a tick 10 ms), that tick is the start time and
// /proc is not read. Otherwise it reads /proc/PID/stat before the child can
// be reaped.
//
// # The spawner thread
//
// On Linux every child gets Pdeathsig SIGKILL, so it dies if the supervisor
// dies. The kernel sends that signal when the thread that forked the child
// exits, not the process. All forks therefore happen on one goroutine that
// calls [runtime.LockOSThread] and never unlocks: its thread lives exactly as
// long as the Manager. The main thread would not do (the runtime never lets
// it exit): a spawner that finds itself there keeps it, so that no other
// goroutine gets it, and forks from a new goroutine instead. [Manager.Start]
// hands requests to the spawner over a channel and returns once fork/exec
// has finished. When [Manager.Close] stops the spawner its thread exits,
// which SIGKILLs every child still running: Close must only be called after
// all children are gone. Close also stops the exit poller (through an
// eventfd) and closes the pidfds.
//
// A fork must not wait for a file system that hangs (a network or FUSE
// mount whose server is gone): Go forks with clone(CLONE_VFORK), and the
// forking thread waits for the child's exec in a raw system call that
// keeps its scheduler slot (golang/go#11155), so the next garbage
// collection, which stops every goroutine, would wait as long. So
// [Manager.Start] first looks at the working directory, the program (and
// PATH to find it) and the interpreter of a script, in a goroutine of its
// own that such a file system blocks instead, for at most 2 s: past that
// the start fails ([ErrNoAnswer]), and so do the starts of the same
// program, directory and PATH until that goroutine ends, when the file
// system answers again (Close does not wait for it).
//
// A child starts with the signal mask of the thread that forked it (the
// runtime saves that mask before the fork and the child restores it before
// exec), and a blocked signal stays blocked through exec, so the service
// would never receive it (a SIGCHLD, SIGUSR1 or SIGALRM it relies on, say).
// The Go runtime keeps blocked on its threads the signals the process
// started with blocked (those it needs aside), so on Linux the spawner
// empties its thread's mask once, before its first fork; nothing else runs
// on that thread to change it again. A signal it unblocks can then reach
// the process on that thread, and acts as in a process started with none
// blocked.
//
// Each child leads a new session and so its own process group (its pgid
// and session id are its pid), so that [SignalGroup] reaches the whole tree
// a service spawned, and so that no child shares the supervisor's
// controlling terminal. Its stdin is
// /dev/null, its stdout and stderr are the files given in the [Spec] (passed
// to the child as is, without copying goroutines), and it inherits no other
// file descriptor: Go opens its own files close-on-exec, and in subreaper
// mode [NewManager] also marks close-on-exec those the process inherited.
//
// A child inherits the resource limits of the process, with one exception:
// at start-up the Go runtime raises the process's own soft RLIMIT_NOFILE
// to (nearly) its hard limit, and puts the soft limit it found back in
// every child it forks. So a supervisor started with a soft limit of 1024
// and a hard one of 524288 (systemd's defaults) may hold about 500000
// descriptors itself, while its services start with 1024, as under
// systemd. This no longer holds once the process sets RLIMIT_NOFILE itself
// ([syscall.Setrlimit]), or another process changes it (prlimit): children
// then inherit the limit as it is.
//
// # Processes that leave their group
//
// A process that calls setsid or setpgid leaves the group of its service,
// and a signal to the group misses it. [Manager.Strays] finds such
// processes once they are orphans, by an environment entry (superd's
// marker) they inherited, or by the stdout or stderr pipe of the service
// ([Handle.Pipes]) they still hold, which finds those that cleared their
// environment: in subreaper mode orphans are the children of the
// process's main thread, which one read of /proc/self/task/PID/children
// lists, without a scan of /proc; then their descendants that match too.
// Each is held by a pidfd ([Stray]) before its environment and descriptors
// are checked, so a signal never reaches a process that reused its pid.
// The descriptors are read only for a process that carries no marker,
// neither the service's nor another service's.
//
// # Other platforms
//
// On macOS and the BSDs the SIGCHLD reaper is used for every child, without
// subreaper (orphans go to init) and, except on FreeBSD, without Pdeathsig;
// start times are 0, and the spawner thread keeps its signal mask. Windows gets a simple implementation: one goroutine per
// child blocked in cmd.Wait, [SignalGroup] terminates only the group leader
// whatever the signal, and [Spec.User] and [Spec.Group] are not supported.
package process
