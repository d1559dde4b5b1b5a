package process

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// ErrClosed is returned by [Manager.Start] after [Manager.Close].
var ErrClosed = errors.New("process: manager closed")

// ErrNoProcess is wrapped by [SignalGroup] when the process group no longer
// exists (ESRCH).
var ErrNoProcess = errors.New("no such process")

// ErrNoAnswer is wrapped by the error of [Manager.Start] when the file
// system of the program, of its working directory or of a directory of
// PATH did not answer in time (Unix): a network or FUSE mount whose server
// is gone. It matches [syscall.ETIMEDOUT] too, and [ResourceShortage]
// reports it: the start can be tried again once the mount answers.
var ErrNoAnswer error = noAnswer{}

// noAnswer is the type of ErrNoAnswer.
type noAnswer struct{}

func (noAnswer) Error() string { return "no answer from the file system" }

func (noAnswer) Unwrap() error { return syscall.ETIMEDOUT }

// ErrUnknownSignal is wrapped by [SignalNumber] and [SignalGroup] when a
// signal name is not known on this platform.
var ErrUnknownSignal = errors.New("unknown signal")

// Options configure a [Manager].
type Options struct {
	// Subreaper makes the Manager the reaper of every descendant: on Linux
	// the process becomes a child subreaper, and every child of the process
	// is reaped, including ones the Manager did not start. Use it only when
	// the Manager owns all child processes of the program (the daemon).
	// A Manager that sets it must be the only one of the process while it
	// runs: [NewManager] returns an error wrapping [ErrSubreaperInUse]
	// for a subreaper one while another Manager runs, and for any other
	// while a subreaper one does (whose children it would reap).
	// It also gives the Manager the process's disposition of SIGPIPE,
	// which it switches (os/signal) to what each child's
	// [Spec.IgnoreSIGPIPE] asks for: from NewManager on, the process
	// handles SIGPIPE (dropping what comes) or ignores it, and so a write
	// to a closed stdout or stderr fails with EPIPE instead of ending it,
	// but at the instant os/signal switches it to ignored, where it is
	// neither (a write to descriptor 1 or 2 then ends the process: write
	// a log through a duplicate of the descriptor, as superd does). Without
	// Subreaper, children get the program's own disposition of SIGPIPE (a
	// Go program's: the default action, unless it calls
	// signal.Ignore(syscall.SIGPIPE)).
	Subreaper bool
	// Logger receives debug and error records; nil discards them.
	Logger *slog.Logger
}

// Spec describes a process to start.
type Spec struct {
	// Argv is the command line; Argv[0] names the program. An absolute path
	// is used as is; a path containing a slash is relative to Dir (or to the
	// current directory if Dir is empty); a bare name is looked up in the
	// PATH of Env if Env sets PATH, else in the PATH of this process. Empty
	// and relative PATH entries are skipped.
	Argv []string
	// Dir is the working directory of the child; empty means the current one.
	Dir string
	// Env is the complete environment of the child, as KEY=VALUE strings.
	// Nil means an empty environment, not this process's.
	Env []string
	// User is the user name or numeric uid the child runs as; empty means
	// this process's user. Any other user requires running as root. The
	// child gets the user's uid, primary group (unless Group is set) and
	// supplementary groups.
	User string
	// Group is the group name or numeric gid the child runs as; empty means
	// the primary group of User (or this process's group). Set without
	// User (when running as root), the child keeps this process's uid but
	// gets no supplementary groups.
	Group string
	// UMask, if not nil, is the file mode creation mask the child starts
	// with; nil gives it this process's. Only Linux supports it (the
	// spawner thread gets a umask of its own, so the process's and other
	// threads' stay as they are); elsewhere Start fails.
	UMask *fs.FileMode
	// IgnoreSIGPIPE starts the child with SIGPIPE ignored (a write to a
	// closed pipe or socket fails with EPIPE), as systemd's services start
	// by default; false starts it with the default action. Only a Manager
	// with [Options.Subreaper] applies it (not on Windows, which has no
	// such signal): without it, the child gets this process's disposition.
	IgnoreSIGPIPE bool
	// Stdout and Stderr receive the child's output. The files are passed to
	// the child as is; nil means /dev/null. The caller keeps ownership and
	// may close its copies once Start returns.
	Stdout, Stderr *os.File
}

// Handle identifies a started process.
type Handle struct {
	// PID is the process id of the child.
	PID int
	// PGID is its process group id, which equals PID: every child leads
	// its own group.
	PGID int
	// StartTime is the start time of the process in clock ticks since boot
	// (field 22 of /proc/PID/stat, as [ProcStartTime] reads it), to tell
	// the process apart from a later one reusing its pid. It is 0 where
	// unsupported (outside Linux).
	StartTime uint64
	// Pipes are the inode numbers of the pipes given to the process as
	// Spec.Stdout and Spec.Stderr (0 for a file that is not a pipe, and
	// outside Linux), by which [Manager.Strays] recognises the processes
	// of the service whatever they did to their environment. They are
	// practically unique, not guaranteed to be: the kernel numbers pipes
	// with a 32-bit counter (get_next_ino) that sockets and other
	// pseudo-files share and that wraps around without checking whether a
	// number is still in use, so after some 4 billion such files another
	// pipe could get the number of one still open. The search stays safe
	// because it looks only at this process's own descendants (the
	// orphans it adopted and their descendants), and reads the
	// descriptors only of those that carry no marker: at worst an
	// unmarked process of another service could be taken, never one that
	// does not descend from a process this process started.
	Pipes [2]uint64
}

// Exit describes how a process ended.
type Exit struct {
	// PID is the process id of the child.
	PID int
	// Code is the exit status, or -1 if the process was killed by a signal
	// (or, in the rare case another part of the program reaped the child
	// first, if its status was lost; this is logged as an error).
	Code int
	// Signal is the canonical name of the signal that killed the process,
	// such as "SIGKILL", or "" if it exited normally.
	Signal string
	// CoreDumped is set when the signal that killed the process made it
	// dump core (WCOREDUMP; Unix only).
	CoreDumped bool
	// Time is when the exit was collected.
	Time time.Time
}

// String describes the exit as "exit code 3", "signal SIGKILL" or
// "signal SIGSEGV (core dumped)".
func (e Exit) String() string {
	if e.Signal != "" && e.CoreDumped {
		return "signal " + e.Signal + " (core dumped)"
	}
	if e.Signal != "" {
		return "signal " + e.Signal
	}
	return fmt.Sprintf("exit code %d", e.Code)
}

// ErrSubreaperInUse is the error of [NewManager] when a child subreaper
// Manager would share the process with another Manager: the role is the
// process's, and the subreaper reaps every child of the process (the
// other Manager's exits would be lost; a second subreaper, closed, would
// give the role up under the first).
var ErrSubreaperInUse = errors.New("process: a child subreaper Manager must be the only Manager of its process")

// ExecError reports a failure before the program ran: its lookup in PATH
// ("lookup"), a bad working directory ("chdir"), an unknown or forbidden
// user or group ("user", "group"), or the exec itself ("exec"). Path is the
// program, directory, user or group concerned.
type ExecError struct {
	Op   string
	Path string
	Err  error
}

// Error returns a message such as `exec "/nope": no such file or directory`.
func (e *ExecError) Error() string {
	return fmt.Sprintf("%s %q: %v", e.Op, e.Path, e.Err)
}

// Unwrap returns the underlying error, such as [syscall.ENOENT].
func (e *ExecError) Unwrap() error { return e.Err }

// errNotInPath is the cause of a failed PATH lookup.
var errNotInPath = fmt.Errorf("executable file not found in PATH: %w", fs.ErrNotExist)

// newCmd validates spec and builds the command to start, without
// SysProcAttr. Every error is an *ExecError.
func newCmd(spec Spec) (*exec.Cmd, error) {
	if len(spec.Argv) == 0 || spec.Argv[0] == "" {
		return nil, &ExecError{Op: "exec", Path: "", Err: errors.New("empty command line")}
	}
	if spec.Dir != "" {
		if err := checkDir(spec.Dir); err != nil {
			return nil, err
		}
	}
	path, err := resolveProgram(spec.Argv[0], spec.Dir, spec.Env)
	if err != nil {
		return nil, err
	}
	env := spec.Env
	if env == nil {
		env = []string{} // a nil Env would make exec.Cmd inherit ours
	}
	cmd := &exec.Cmd{
		Path: path,
		Args: spec.Argv,
		Env:  env,
		Dir:  spec.Dir,
	}
	// Assign only non-nil files: a nil *os.File in an io.Writer is not nil.
	if spec.Stdout != nil {
		cmd.Stdout = spec.Stdout
	}
	if spec.Stderr != nil {
		cmd.Stderr = spec.Stderr
	}
	return cmd, nil
}

// checkDir reports a missing or unusable working directory before forking,
// where the error can still name the directory.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &ExecError{Op: "chdir", Path: dir, Err: err}
	}
	if !fi.IsDir() {
		return &ExecError{Op: "chdir", Path: dir, Err: syscall.ENOTDIR}
	}
	return nil
}

// resolveProgram returns the absolute path of the program argv0 names.
func resolveProgram(argv0, dir string, env []string) (string, error) {
	switch {
	case filepath.IsAbs(argv0):
		return argv0, nil
	case strings.ContainsRune(argv0, '/') || strings.ContainsRune(argv0, filepath.Separator):
		// Made absolute: the child would resolve a relative path after its
		// chdir to Dir, applying Dir twice.
		switch {
		case filepath.IsAbs(dir):
		case filepath.Separator != '/':
			// Windows: "\srv" is rooted but not absolute (no drive), and
			// ".." resolves as text there: filepath.Abs is exact.
			abs, err := filepath.Abs(dir)
			if err != nil {
				return "", &ExecError{Op: "lookup", Path: argv0, Err: err}
			}
			dir = abs
		default: // none, or relative to the process's own
			wd, err := os.Getwd()
			if err != nil {
				return "", &ExecError{Op: "lookup", Path: argv0, Err: err}
			}
			if dir == "" {
				dir = wd
			} else {
				dir = strings.TrimSuffix(wd, "/") + "/" + dir
			}
		}
		if filepath.Separator == '/' {
			// Its "." and empty components dropped, but its ".." kept:
			// the kernel takes a ".." from where a symlink before it
			// leads ("link/../bin/x", link -> real/app, is real/bin/x),
			// not from the text before it, as filepath.Join would.
			parts := slices.DeleteFunc(strings.Split(argv0, "/"), func(p string) bool { return p == "" || p == "." })
			return strings.TrimSuffix(dir, "/") + "/" + strings.Join(parts, "/"), nil
		}
		return filepath.Join(dir, argv0), nil // Windows resolves ".." as text
	}
	pathList, ok := envValue(env, "PATH")
	if !ok {
		pathList = os.Getenv("PATH")
	}
	if p, ok := lookPath(argv0, pathList); ok {
		return p, nil
	}
	return "", &ExecError{Op: "lookup", Path: argv0, Err: errNotInPath}
}

// envValue returns the value of key in env; the last occurrence wins, as in
// the child.
func envValue(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// execError maps an error of cmd.Start to an *ExecError.
func execError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &ExecError{Op: "exec", Path: path, Err: pe.Err}
	}
	return &ExecError{Op: "exec", Path: path, Err: err}
}

// logger returns l, or a logger that discards everything.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
