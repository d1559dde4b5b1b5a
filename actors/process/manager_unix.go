//go:build unix

package process

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Manager starts child processes and reaps them. It owns the spawner
// goroutine, locked to its OS thread, which forks every child; the reaper
// goroutine, which collects exit statuses on SIGCHLD; and, on Linux, the
// exit poller goroutine, blocked in epoll_wait on the pidfds of every
// running child (one thread for all of them). Create
// it with [NewManager] and stop it with [Manager.Close]. Its methods are
// safe for concurrent use.
type Manager struct {
	log       *slog.Logger
	subreaper bool
	pidfds    bool        // the kernel gives pidfds: children get one, watched by poller (Linux)
	poller    *exitPoller // nil without pidfds, or until it can be created; set by the spawner under mu
	pollerErr bool        // the last attempt to create poller failed (logged once); spawner only
	// pollerFailed: epoll_wait failed, the poller takes no more children.
	// Guarded by mu.
	pollerFailed bool
	clock        bootClock // start times of children
	devNull      *os.File  // the children's stdin, and stdout or stderr when not given; nil if /dev/null cannot be opened

	sigCh    chan os.Signal    // SIGCHLD notifications, buffered
	ignored  chan os.Signal    // subreaper mode: handles the signals ignored at start that children would inherit (see keptIgnored); never read
	pipe     chan os.Signal    // subreaper mode: handles SIGPIPE while children must start with its default action (see spawnLoop); never read
	sigOnce  sync.Once         // subscription to SIGCHLD
	reqs     chan spawnRequest // to the spawner
	done     chan struct{}     // closed by Close
	wg       sync.WaitGroup    // spawner, reaper and exit poller
	stopOnce sync.Once         // Close

	// mu makes fork+registration atomic with respect to reaping: the
	// spawner holds it from before fork until the child is in procs;
	// reapers hold it from their wait4 until the child is out of procs.
	// Whoever removes a child from procs delivers its exit, so every exit
	// is delivered once. There is a single spawner, so a plain mutex is all
	// the exclusion needed.
	mu     sync.Mutex
	closed bool           // set by Close: no more forks, watchers stop
	procs  map[int]*child // pid -> child, for children not yet reaped

	probes probes // looks at the files of a start before its fork
}

// child is a started process that has not been reaped yet.
type child struct {
	pid    int
	onExit func(Exit)
	// watched: the exit poller holds the child's pidfd. Otherwise SIGCHLD
	// passes find its exit. Guarded by Manager.mu.
	watched bool
	// pidfd is the child's pidfd while the exit poller holds it, else -1.
	// Guarded by Manager.mu.
	pidfd int
}

type spawnRequest struct {
	cmd        *exec.Cmd
	umask      *fs.FileMode // Spec.UMask
	ignorePipe bool         // Spec.IgnoreSIGPIPE; only a subreaper Manager applies it
	onExit     func(Exit)
	reply      chan<- spawnResult
}

type spawnResult struct {
	handle Handle
	err    error
}

// keptIgnored are the signals whose ignored disposition, found at start,
// the Go runtime keeps as long as os/signal does not handle them: SIGHUP
// and SIGINT (which nohup and shells ignore), SIGCONT, SIGTSTP, SIGTTIN
// and SIGTTOU. It installs its handler for every other signal, which exec
// resets to the default action.
var keptIgnored = []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGCONT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU}

// NewManager starts the spawner and the reaper goroutines.
//
// With opts.Subreaper, on Linux it makes the process a child subreaper
// (failing if that is refused), it marks every descriptor the process
// inherited close-on-exec, so that children get only fds 0-2, and it
// handles (os/signal) the signals the process was started ignoring, so
// that children start with their default action, as systemd's do: exec
// keeps an ignored disposition. The process goes on ignoring them (what
// comes is dropped), except 32 and 34, which os/signal cannot handle:
// they are set to their default action (see resetIgnoredCLibrarySignals).
// SIGPIPE is the exception: each child starts with it ignored or at its
// default action, as its [Spec.IgnoreSIGPIPE] says (see
// [Options.Subreaper]). Without it, descriptors and dispositions are left
// alone: an embedding program owns its descriptors, and any it opened
// without close-on-exec reach the children; a signal it ignores
// (signal.Ignore, SIGHUP under nohup) is ignored by the children too, and
// one it handles, SIGPIPE included, starts at its default action.
func NewManager(opts Options) (*Manager, error) {
	return newManagerWith(opts, pidfdsWork())
}

// newManagerWith is NewManager; pidfds chooses whether exits are watched
// through pidfds (tests force it off to exercise the SIGCHLD passes).
func newManagerWith(opts Options, pidfds bool) (*Manager, error) {
	m, err := prepareManager(opts, pidfds)
	if err != nil {
		return nil, err
	}
	m.wg.Add(2)
	go m.spawnLoop()
	go m.reapLoop()
	if m.poller != nil {
		m.wg.Add(1)
		go m.pollExits()
	}
	return m, nil
}

// managers is the one state the Managers of a process share: the OS
// keeps the child subreaper role per process, and a subreaper Manager
// reaps every child of the process (wait4 of any pid), another Manager's
// too, whose exit statuses would then be lost.
var managers struct {
	mu        sync.Mutex
	live      int  // Managers not yet closed
	subreaper bool // one of them is the child subreaper
}

// register counts a new Manager of the process, unless it would share the
// process with a subreaper one (as the subreaper, or beside it): then the
// error wraps ErrSubreaperInUse.
func register(subreaper bool) error {
	managers.mu.Lock()
	defer managers.mu.Unlock()
	switch {
	case managers.subreaper && subreaper:
		return fmt.Errorf("%w: another one is already the child subreaper", ErrSubreaperInUse)
	case managers.subreaper:
		return fmt.Errorf("%w: one is the child subreaper, and would reap this one's children", ErrSubreaperInUse)
	case subreaper && managers.live > 0:
		return fmt.Errorf("%w: %d other Manager(s) run, whose children a subreaper would reap", ErrSubreaperInUse, managers.live)
	}
	managers.live++
	managers.subreaper = managers.subreaper || subreaper
	return nil
}

// unregister undoes register.
func unregister(subreaper bool) {
	managers.mu.Lock()
	defer managers.mu.Unlock()
	managers.live--
	if subreaper {
		managers.subreaper = false
	}
}

// prepareManager is newManagerWith without starting the spawner and the
// reaper.
func prepareManager(opts Options, pidfds bool) (*Manager, error) {
	m := &Manager{
		log:       logger(opts.Logger),
		subreaper: opts.Subreaper,
		pidfds:    pidfds,
		clock:     newBootClock(),
		sigCh:     make(chan os.Signal, 1),
		pipe:      make(chan os.Signal, 1),
		reqs:      make(chan spawnRequest),
		done:      make(chan struct{}),
		procs:     make(map[int]*child),
		probes:    probes{wait: probeWait, hung: make(map[string]chan struct{})},
	}
	if err := register(opts.Subreaper); err != nil {
		return nil, err
	}
	if opts.Subreaper {
		if err := setSubreaper(true); err != nil {
			unregister(true)
			return nil, fmt.Errorf("process: become child subreaper: %w", err)
		}
		if !subreaperSupported {
			m.log.Warn("child subreaper not supported on this platform; orphaned descendants go to init")
		}
		if err := markInheritedCloseOnExec(); err != nil {
			m.log.Warn("inherited descriptors may leak into children", "err", err)
		}
		if sigs := ignoredAtStart(); len(sigs) > 0 {
			// Handled, a signal is reset to its default action by exec.
			// A full channel drops what comes: the process goes on
			// ignoring them.
			m.ignored = make(chan os.Signal, 1)
			signal.Notify(m.ignored, sigs...)
			m.log.Debug("signals ignored at start are handled, so that children start with their default action", "signals", fmt.Sprint(sigs))
		}
		if err := resetIgnoredCLibrarySignals(); err != nil {
			m.log.Warn("signals 32 and 34 may be ignored by children too", "err", err)
		}
		if !signal.Ignored(syscall.SIGPIPE) {
			// The process's SIGPIPE is the Manager's from now on (see
			// spawnLoop): handled, a write to a closed stdout or stderr
			// fails with EPIPE instead of ending the process, though no
			// start may ever switch it.
			signal.Notify(m.pipe, syscall.SIGPIPE)
		}
	}
	if pidfds {
		// Should it fail (EMFILE at a busy moment of an embedding program),
		// the spawner tries again before each start (see ensurePoller).
		m.poller, _ = m.newPoller()
	}
	// Subscribed before any child exists, so no SIGCHLD can be missed. With
	// the exit poller and without subreaper, no SIGCHLD pass is needed until
	// a child comes without a usable pidfd (see watchSIGCHLD).
	if opts.Subreaper || m.poller == nil {
		m.watchSIGCHLD()
	}
	// One /dev/null for every child, instead of exec.Cmd opening (and
	// trying to register with the netpoller) a new one at each start: six
	// system calls fewer on the restart path. If it cannot be opened,
	// exec.Cmd opens its own as before and reports the error.
	if f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0); err == nil {
		m.devNull = f
	}
	return m, nil
}

// watchSIGCHLD subscribes the reaper to SIGCHLD, once, and asks it for a
// pass now, for an exit that happened before the subscription.
func (m *Manager) watchSIGCHLD() {
	m.sigOnce.Do(func() { signal.Notify(m.sigCh, syscall.SIGCHLD) })
	select {
	case m.sigCh <- syscall.SIGCHLD:
	default: // a pass is already due
	}
}

// Close stops the spawner, the reaper and the exit poller and, in
// subreaper mode, gives the subreaper role back. It must only be called once
// every child has exited and its exit callback has run: on Linux the
// spawner's thread exits, which SIGKILLs (Pdeathsig) every child still
// running, and exits after Close are never reported. Close is idempotent;
// later calls return nil.
func (m *Manager) Close() error {
	var err error
	m.stopOnce.Do(func() {
		m.mu.Lock()
		m.closed = true
		poller := m.poller // no spawn creates one from now on
		m.mu.Unlock()
		if poller != nil {
			poller.stop()
		}
		close(m.done)
		m.wg.Wait()
		if poller != nil {
			poller.close()
		}
		if m.devNull != nil {
			_ = m.devNull.Close()
		}
		signal.Stop(m.sigCh)
		// SIGPIPE stays as the spawner left it (ignored, or handled
		// through m.pipe): given back to the runtime's default, a write
		// to a closed stdout or stderr would end the process.
		if m.ignored != nil {
			signal.Stop(m.ignored)
		}
		if m.subreaper {
			if e := setSubreaper(false); e != nil {
				err = fmt.Errorf("process: give up child subreaper: %w", e)
			}
		}
		unregister(m.subreaper)
	})
	return err
}

// Start starts the process spec describes and returns once fork and exec
// have finished. A failure before the program ran is an *[ExecError].
//
// onExit (which may be nil) is called exactly once, on a goroutine of the
// Manager (the reaper or the exit poller), when the process has
// exited; it must not block. It may be called before Start returns, and
// concurrently with the callbacks of other processes.
func (m *Manager) Start(spec Spec, onExit func(Exit)) (Handle, error) {
	cmd, err := m.probes.prepare(spec) // a hung file system fails the start here, not in the fork
	if err != nil {
		return Handle{}, err
	}
	cred, err := resolveCredential(spec.User, spec.Group, os.Geteuid(), os.Getegid())
	if err != nil {
		return Handle{}, err
	}
	cmd.SysProcAttr = sysProcAttr(cred)
	m.nullFiles(cmd)
	if onExit == nil {
		onExit = func(Exit) {}
	}
	reply := make(chan spawnResult, 1)
	select {
	case m.reqs <- spawnRequest{cmd: cmd, umask: spec.UMask, ignorePipe: spec.IgnoreSIGPIPE, onExit: onExit, reply: reply}:
	case <-m.done:
		return Handle{}, ErrClosed
	}
	// The spawner answers every request it accepted.
	res := <-reply
	if res.err == nil {
		res.handle.Pipes = [2]uint64{PipeID(spec.Stdout), PipeID(spec.Stderr)}
	}
	return res.handle, res.err
}

// nullFiles gives cmd the Manager's /dev/null for stdin, and for stdout
// and stderr unless the Spec set them.
func (m *Manager) nullFiles(cmd *exec.Cmd) {
	if m.devNull == nil {
		return
	}
	cmd.Stdin = m.devNull
	if cmd.Stdout == nil {
		cmd.Stdout = m.devNull
	}
	if cmd.Stderr == nil {
		cmd.Stderr = m.devNull
	}
}

// spawnLoop runs every fork on one locked OS thread, which Pdeathsig of the
// children is tied to and whose signal mask, which the children inherit,
// it empties. It never unlocks: when it returns, its thread exits.
func (m *Manager) spawnLoop() {
	defer m.wg.Done()
	runtime.LockOSThread()
	if onMainThread() {
		// The runtime never lets the main thread exit (it parks it), so
		// children forked on it would outlive Close. Hold it until Close,
		// which keeps every other goroutine off it, and fork from a new
		// goroutine, which therefore gets another thread.
		m.wg.Add(1)
		go m.spawnLoop()
		<-m.done
		runtime.UnlockOSThread()
		return
	}
	// Children get the mask of this thread: start them with none blocked,
	// whatever mask the process started with. Only the spawner runs on
	// this thread, so the mask stays empty.
	if err := clearSignalMask(); err != nil {
		m.log.Warn("children may start with signals blocked", "err", err)
	}
	var umask threadUmask // the children's umask, set on this thread
	dirWarned := false    // followDir's failure was logged
	// pipeIgnored is whether the process ignores SIGPIPE through os/signal
	// (a subreaper Manager handles it from its creation, unless it was
	// ignored then). Only this goroutine changes it.
	pipeIgnored := signal.Ignored(syscall.SIGPIPE)
	for {
		select {
		case req := <-m.reqs:
			if err := umask.set(req.umask); err != nil {
				req.reply <- spawnResult{err: &ExecError{Op: "umask", Path: fmt.Sprintf("%04o", *req.umask), Err: err}}
				continue
			}
			if m.subreaper && req.ignorePipe != pipeIgnored {
				// The child's SIGPIPE is the process's, as the fork
				// leaves it: the Go runtime resets in the child each
				// signal it handles to its default action, and keeps
				// one ignored through os/signal (a raw sigaction would
				// not do: the runtime would still reset it). Switched
				// only when it changes; handled or ignored, SIGPIPE
				// never ends this process (a write gets EPIPE).
				m.setPipeIgnored(req.ignorePipe)
				pipeIgnored = req.ignorePipe
			}
			if req.cmd.Dir == "" {
				if err := umask.followDir(); err != nil && !dirWarned {
					// Once: it fails the same way at every start.
					dirWarned = true
					m.log.Warn("children without a working directory of their own may start in the one the process had when the first child with a UMask started", "err", err)
				}
			}
			req.reply <- m.spawn(req.cmd, req.onExit)
		case <-m.done:
			return
		}
	}
}

// setPipeIgnored makes the process ignore SIGPIPE, or handle it (what
// comes is dropped: m.pipe is never read), which the children of the
// forks that follow inherit as ignored, or as the default action.
func (m *Manager) setPipeIgnored(ignore bool) {
	if ignore {
		signal.Ignore(syscall.SIGPIPE)
		return
	}
	signal.Notify(m.pipe, syscall.SIGPIPE)
}

// spawn forks and execs cmd and registers its pid, atomically with respect
// to reaping, and hands its pidfd to the exit poller.
func (m *Manager) spawn(cmd *exec.Cmd, onExit func(Exit)) spawnResult {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return spawnResult{err: ErrClosed}
	}
	polled := m.ensurePoller()
	pidfd := -1
	if polled {
		requestPidfd(cmd.SysProcAttr, &pidfd)
	}
	before := m.clock.now()
	if err := cmd.Start(); err != nil {
		m.mu.Unlock()
		return spawnResult{err: startError(cmd, err)}
	}
	after := m.clock.now()
	pid := cmd.Process.Pid
	// Under the lock, so the child cannot have been reaped yet if /proc
	// must be read: even if it already exited, its zombie keeps /proc/PID.
	startTime, stErr := m.clock.startTime(pid, before, after)
	c := &child{pid: pid, onExit: onExit, pidfd: -1}
	m.procs[pid] = c
	// Registered under the lock, so the poller cannot see the exit before
	// it knows the child.
	fallback := polled && (pidfd < 0 || !m.watch(c, pidfd))
	m.mu.Unlock()
	if fallback {
		if pidfd < 0 {
			m.log.Warn("no pidfd for child; falling back to SIGCHLD", "pid", pid)
		}
		m.watchSIGCHLD()
	}
	// Never Wait: the Manager reaps. Release drops Go's own pidfd (a
	// duplicate of ours); signals go to the process group with kill(2).
	_ = cmd.Process.Release()
	if stErr != nil && !errors.Is(stErr, errors.ErrUnsupported) {
		m.log.Warn("cannot read process start time", "pid", pid, "err", stErr)
	}
	m.log.Debug("child started", "pid", pid, "path", cmd.Path)
	return spawnResult{handle: Handle{PID: pid, PGID: pid, StartTime: startTime}}
}

// ensurePoller reports whether the children started now are watched by
// the exit poller, creating it if it could not be created before: a
// shortage of descriptors at start must not leave every exit to the
// SIGCHLD passes for good (without subreaper, a wait4 for each child at
// each SIGCHLD). Children started meanwhile stay with the passes. m.mu must
// be held; only the spawner calls it.
func (m *Manager) ensurePoller() bool {
	if !m.pidfds || m.pollerFailed {
		return false
	}
	if m.poller == nil {
		p, err := m.newPoller()
		if err != nil {
			return false
		}
		m.poller = p
		m.wg.Add(1) // before Close's Wait: Close sets closed under m.mu first
		go m.pollExits()
	}
	return true
}

// newPoller creates the exit poller, and logs the first failure of a
// streak and the success that ends it.
func (m *Manager) newPoller() (*exitPoller, error) {
	p, err := newExitPoller()
	switch {
	case err != nil && !m.pollerErr:
		m.log.Warn("cannot poll pidfds; exits are found by SIGCHLD passes until the poller can be created", "err", err)
		m.pollerErr = true
	case err == nil && m.pollerErr:
		m.log.Info("exits are watched through pidfds again")
		m.pollerErr = false
	}
	return p, err
}

// reapLoop runs a reap pass on every SIGCHLD (once subscribed) until Close.
func (m *Manager) reapLoop() {
	defer m.wg.Done()
	for {
		select {
		case <-m.sigCh:
			m.reap()
		case <-m.done:
			return
		}
	}
}

// exited is a collected exit, delivered outside the lock.
type exited struct {
	onExit func(Exit)
	exit   Exit
}

// deliver logs the exit and runs the callback.
func (m *Manager) deliver(e exited) {
	m.log.Debug("child exited", "pid", e.exit.PID, "status", e.exit.String())
	e.onExit(e.exit)
}

// reap collects every exit status available now and then runs the
// callbacks, outside the lock.
//
// SIGCHLD notifications coalesce, but the channel has room for one: a child
// that exits after this pass started leaves a notification behind, so it is
// collected by this pass or the next.
func (m *Manager) reap() {
	m.mu.Lock()
	var out []exited
	if m.subreaper {
		out = m.reapAll()
	} else {
		out = m.reapPolled()
	}
	m.mu.Unlock()
	for _, e := range out {
		m.deliver(e)
	}
}

// reapAll reaps every exited child of the process. m.mu must be held.
func (m *Manager) reapAll() []exited {
	var out []exited
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ECHILD):
			return out
		case err != nil:
			m.log.Error("wait4 failed", "err", err)
			return out
		case pid <= 0:
			return out // children remain, none has exited
		}
		exit, ok := exitOf(pid, ws)
		if !ok {
			continue // stopped or continued: not an exit
		}
		c, registered := m.procs[pid]
		if !registered {
			m.log.Debug("reaped orphaned descendant", "pid", pid, "status", exit.String())
			continue
		}
		// A watched child too: the poller then finds it gone.
		delete(m.procs, pid)
		out = append(out, exited{onExit: c.onExit, exit: exit})
	}
}

// reapPolled reaps the exited children this Manager started that have no
// pidfd in the exit poller, and no other. m.mu must be held.
func (m *Manager) reapPolled() []exited {
	var out []exited
	for _, c := range m.procs {
		if c.watched {
			continue
		}
		if e, ok := m.reapChild(c); ok {
			out = append(out, e)
		}
	}
	return out
}

// reapChild reaps c if it has exited, and removes it from procs. m.mu must
// be held and c registered.
func (m *Manager) reapChild(c *child) (exited, bool) {
	var ws unix.WaitStatus
	var wpid int
	var err error
	for {
		wpid, err = unix.Wait4(c.pid, &ws, unix.WNOHANG, nil)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	var exit Exit
	switch {
	case err != nil:
		// Someone else in the process waited for our child (or it is
		// not ours): its status is lost. Report the exit anyway so the
		// callback still runs exactly once.
		exit = m.lost(c, err)
	case wpid == 0:
		return exited{}, false // still running
	default:
		var ok bool
		if exit, ok = exitOf(c.pid, ws); !ok {
			return exited{}, false
		}
	}
	delete(m.procs, c.pid)
	return exited{onExit: c.onExit, exit: exit}, true
}

// lost is the exit reported for c when its status was taken by someone
// else.
func (m *Manager) lost(c *child, err error) Exit {
	m.log.Error("exit status of child lost", "pid", c.pid, "err", err)
	return Exit{PID: c.pid, Code: -1, Time: time.Now()}
}

// exitOf converts a wait status; ok is false if it is not a termination.
func exitOf(pid int, ws unix.WaitStatus) (e Exit, ok bool) {
	switch {
	case ws.Exited():
		return Exit{PID: pid, Code: ws.ExitStatus(), Time: time.Now()}, true
	case ws.Signaled():
		return Exit{PID: pid, Code: -1, Signal: signalName(ws.Signal()), CoreDumped: ws.CoreDump(), Time: time.Now()}, true
	}
	return Exit{}, false
}
