// Package process is the OS-process seam of the supervisor: it starts child
// processes, reaps them from one place and signals their process groups.
//
// # One waiter
//
// A goroutine blocked in [os/exec.Cmd.Wait] pins an OS thread, so waiting on
// each child separately costs one thread per child. A [Manager] instead owns
// all waiting in a single reaper goroutine: it subscribes to SIGCHLD with
// [os/signal.Notify] (never [os/signal.Ignore], which would make the kernel
// discard exit statuses) and, on every notification, collects exit statuses
// with wait4(WNOHANG), routing each one by pid to the callback given to
// [Manager.Start]. cmd.Wait is never called. Callbacks run on the reaper
// goroutine, outside any lock, exactly once per started process; they must
// not block.
//
// # Modes
//
// With [Options.Subreaper] (the daemon), the Manager makes the process a child
// subreaper on Linux (prctl PR_SET_CHILD_SUBREAPER), so that descendants
// orphaned by a service are reparented to it rather than to init, and reaps
// with wait4(-1, WNOHANG) until nothing is left to collect. Exits of pids that
// were not started by the Manager are such orphans: they are reaped and logged
// at debug level. Only one subreaper-mode Manager may exist per process, and
// no other code in the process may wait for its own children, since wait4(-1)
// takes every exit status.
//
// Without it (the default: an embedded supervisor, and tests), the Manager
// never calls wait4(-1), which would steal the exit statuses of children
// other code in the process waits for. On each SIGCHLD it calls
// wait4(pid, WNOHANG) for each pid it started, so a pass costs one system
// call per live child.
//
// A child can exit before its pid is registered. Forking and registering
// happen under the same mutex that a reap pass holds, so the SIGCHLD of such
// a child triggers a pass that runs only once the pid is known, and no exit
// is lost. Exit statuses are reported exactly as the kernel gives them.
//
// # The spawner thread
//
// On Linux every child gets Pdeathsig SIGKILL, so it dies if the supervisor
// dies. The kernel sends that signal when the thread that forked the child
// exits, not the process. All forks therefore happen on one goroutine that
// calls [runtime.LockOSThread] and never unlocks: its thread lives exactly as
// long as the Manager. [Manager.Start] hands requests to it over a channel and
// returns once fork/exec has finished. When [Manager.Close] stops that
// goroutine its thread exits, which SIGKILLs every child still running:
// Close must only be called after all children are gone.
//
// Each child runs in its own process group (its pgid is its pid) so that
// [SignalGroup] reaches the whole tree a service spawned. Its stdin is
// /dev/null, its stdout and stderr are the files given in the [Spec] (passed
// to the child as is, without copying goroutines), and it inherits no other
// file descriptor: Go opens its own files close-on-exec, and in subreaper
// mode [NewManager] also marks close-on-exec those the process inherited.
//
// # Other platforms
//
// On macOS and the BSDs the same SIGCHLD reaper is used, without subreaper
// (orphans go to init) and, except on FreeBSD, without Pdeathsig. Windows
// gets a simple implementation: one goroutine per child blocked in cmd.Wait,
// [SignalGroup] terminates only the group leader whatever the signal, and
// [Spec.User] and [Spec.Group] are not supported.
package process
