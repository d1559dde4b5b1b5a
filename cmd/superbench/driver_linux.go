//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// service is one service of a benchmark: a name and the program it runs.
type service struct {
	name string
	argv []string // argv[0] is an absolute path
}

// logPolicy says how a supervisor keeps its services' output.
type logPolicy struct {
	// keepAll turns off every rotation that could delete output: the log
	// throughput benchmark counts the bytes that reached the files.
	keepAll bool
}

// errNotInstalled says a peer cannot run on this machine; the benchmark
// skips it with a note.
var errNotInstalled = errors.New("not installed")

// driver runs one supervisor in the benchmarks: it writes the supervisor's
// configuration for a set of services into a directory of its own and
// starts it there, never touching a system-wide configuration.
type driver interface {
	// name is the supervisor's name in the results.
	name() string
	// version is the supervisor's version; an error wrapping
	// errNotInstalled when it is missing.
	version(ctx context.Context) (string, error)
	// prepare writes the configuration of svcs under dir, which exists
	// and is empty.
	prepare(dir string, svcs []service, logs logPolicy) error
	// launch starts the supervisor on the configuration in dir and
	// returns at once.
	launch(dir string) (*instance, error)
	// roots returns the processes at the top of the supervisor's own
	// tree: everything below them but the services is the supervisor.
	roots(ctx context.Context, in *instance) ([]int, error)
	// stop asks the supervisor to stop its services and exit, and waits
	// for the launched process to exit (or ctx to be done). The caller
	// waits for the other processes to be gone.
	stop(ctx context.Context, in *instance) error
	// status returns the command that asks the supervisor for the status
	// of one service, or of all with name "". Nil: no such command.
	status(dir, name string) *exec.Cmd
	// logBytes is the size of the services' stdout logs in dir.
	logBytes(dir string) (int64, error)
	// wrappers are the command names a service's process has before it
	// execs the service's program (a shell running a run script).
	wrappers() []string
}

// instance is one running supervisor.
type instance struct {
	dir    string
	out    string        // the file of the launched command's stdout and stderr
	cmd    *exec.Cmd     // the command launch started
	exited chan struct{} // closed once cmd has been waited for
	err    error         // cmd's exit, valid once exited is closed
}

// lastOutput returns the last line the launched command wrote.
func (in *instance) lastOutput() string {
	f, err := os.Open(in.out)
	if err != nil {
		return ""
	}
	defer f.Close()
	return lastLine(f)
}

// launchCmd starts argv in its own process group, stdin from /dev/null,
// stdout and stderr into dir/out, with env added to superbench's
// environment; a goroutine owned by the instance waits for it.
func launchCmd(r *reaper, dir, out string, env []string, argv ...string) (*instance, error) {
	out = filepath.Join(dir, out)
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	if err := r.start(cmd); err != nil {
		return nil, fmt.Errorf("starting %s: %w", filepath.Base(argv[0]), err)
	}
	in := &instance{dir: dir, out: out, cmd: cmd, exited: make(chan struct{})}
	go func() {
		in.err = r.wait(cmd)
		close(in.exited)
	}()
	return in, nil
}

// signalAndWait sends sig to the launched process and waits for it to exit,
// or for ctx to be done.
func signalAndWait(ctx context.Context, in *instance, sig syscall.Signal) error {
	select {
	case <-in.exited:
		return fmt.Errorf("it had already exited: %v", in.err)
	default:
	}
	if err := in.cmd.Process.Signal(sig); err != nil {
		return err
	}
	return waitExit(ctx, in)
}

// waitExit waits for the launched process to exit, or for ctx to be done.
func waitExit(ctx context.Context, in *instance) error {
	select {
	case <-in.exited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s still running: %w", filepath.Base(in.cmd.Path), ctx.Err())
	}
}

// launchedRoot is roots for a supervisor that is the launched process.
func launchedRoot(in *instance) []int { return []int{in.cmd.Process.Pid} }

// pidFileWait bounds the wait for a daemon's PID file.
const pidFileWait = time.Minute

// lookPath finds a peer's program, or says it is not installed.
func lookPath(prog string) (string, error) {
	p, err := exec.LookPath(prog)
	if err != nil {
		return "", fmt.Errorf("%s: %w", prog, errNotInstalled)
	}
	return p, nil
}

// sizeOf sums the sizes of the regular files under root whose name
// satisfies keep. A missing root counts as empty.
func sizeOf(root string, keep func(name string) bool) (int64, error) {
	var total int64
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() || !keep(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // rotated away meanwhile
		}
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	return total, err
}

// shellWord quotes w for a shell, a service file or a supervisord command
// line when it needs it.
func shellWord(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\n'\"\\$`;&|<>()*?[]#~%") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

func shellLine(argv []string) string {
	words := make([]string, len(argv))
	for i, w := range argv {
		words[i] = shellWord(w)
	}
	return strings.Join(words, " ")
}

// writeScript writes an executable shell script that execs argv.
func writeScript(path string, argv ...string) error {
	return os.WriteFile(path, []byte("#!/bin/sh\nexec "+shellLine(argv)+"\n"), 0o755)
}

// superdDriver runs superd.
type superdDriver struct {
	bins    binaries
	reaper  *reaper
	release string // the version superd was built with
}

func (d *superdDriver) name() string { return "superd" }

func (d *superdDriver) version(context.Context) (string, error) { return d.release, nil }

func (d *superdDriver) prepare(dir string, svcs []service, logs logPolicy) error {
	conf := filepath.Join(dir, "conf")
	if err := os.Mkdir(conf, 0o755); err != nil {
		return err
	}
	for _, s := range svcs {
		text := "[Service]\nExecStart=" + shellLine(s.argv) + "\n" +
			"Restart=always\nRestartSec=0\nStableSec=1\nStartLimitIntervalSec=0\n"
		if logs.keepAll {
			text += "\n[Log]\nMaxSize=1G\n"
		}
		if err := os.WriteFile(filepath.Join(conf, s.name+".service"), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (d *superdDriver) launch(dir string) (*instance, error) {
	return launchCmd(d.reaper, dir, "superd.out", nil, d.bins.superd,
		"--config-dir", filepath.Join(dir, "conf"),
		"--log-dir", filepath.Join(dir, "logs"),
		"--socket", filepath.Join(dir, "superd.sock"))
}

func (d *superdDriver) roots(_ context.Context, in *instance) ([]int, error) {
	return launchedRoot(in), nil
}

func (d *superdDriver) stop(ctx context.Context, in *instance) error {
	return signalAndWait(ctx, in, syscall.SIGTERM)
}

func (d *superdDriver) status(dir, name string) *exec.Cmd {
	args := []string{"--socket", filepath.Join(dir, "superd.sock"), "status"}
	if name != "" {
		args = append(args, name)
	}
	return exec.Command(d.bins.supers, args...)
}

func (d *superdDriver) logBytes(dir string) (int64, error) {
	return sizeOf(filepath.Join(dir, "logs"), func(n string) bool { return strings.HasPrefix(n, "stdout") })
}

func (d *superdDriver) wrappers() []string { return nil }

// loopDriver runs the minimal Go supervisor loop (cmd/superbench/internal/loop),
// the physical limit. Its mode says where the services' output goes: "pipe"
// (a pipe drained into a file, the least a logging supervisor does) or
// "file" (the file itself: the service writes straight to it).
type loopDriver struct {
	bins   binaries
	reaper *reaper
	mode   string
	label  string
}

func (d *loopDriver) name() string { return d.label }

func (d *loopDriver) version(context.Context) (string, error) { return "-", nil }

// loopConfig is the configuration file of the loop driver: the loop runs n
// copies of one program.
type loopConfig struct {
	N    int      `json:"n"`
	Argv []string `json:"argv"`
}

func (d *loopDriver) prepare(dir string, svcs []service, _ logPolicy) error {
	if len(svcs) == 0 {
		return errors.New("no service")
	}
	for _, s := range svcs[1:] {
		if strings.Join(s.argv, "\x00") != strings.Join(svcs[0].argv, "\x00") {
			return errors.New("the loop runs copies of one program only")
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(loopConfig{N: len(svcs), Argv: svcs[0].argv})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "loop.json"), b, 0o644)
}

func (d *loopDriver) launch(dir string) (*instance, error) {
	b, err := os.ReadFile(filepath.Join(dir, "loop.json"))
	if err != nil {
		return nil, err
	}
	var c loopConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	argv := append([]string{d.bins.loop, "-n", strconv.Itoa(c.N), "-logs", filepath.Join(dir, "logs"), "-mode", d.mode, "--"}, c.Argv...)
	return launchCmd(d.reaper, dir, "loop.out", nil, argv...)
}

func (d *loopDriver) roots(_ context.Context, in *instance) ([]int, error) {
	return launchedRoot(in), nil
}

func (d *loopDriver) stop(ctx context.Context, in *instance) error {
	return signalAndWait(ctx, in, syscall.SIGTERM)
}

func (d *loopDriver) status(string, string) *exec.Cmd { return nil }

func (d *loopDriver) logBytes(dir string) (int64, error) {
	return sizeOf(filepath.Join(dir, "logs"), func(string) bool { return true })
}

func (d *loopDriver) wrappers() []string { return nil }
