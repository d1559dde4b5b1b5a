//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The peers: what users would pick instead of superd. Each runs from a
// temporary directory with its own configuration, control socket or
// service directory, never a system-wide one.

// supervisordDriver runs supervisord (Python) in the foreground with its
// own configuration file and Unix socket. Fastest restart: startsecs=0,
// autorestart=true.
type supervisordDriver struct {
	reaper *reaper
}

func (d *supervisordDriver) name() string { return "supervisord" }

func (d *supervisordDriver) version(ctx context.Context) (string, error) {
	p, err := lookPath("supervisord")
	if err != nil {
		return "", err
	}
	if _, err := lookPath("supervisorctl"); err != nil {
		return "", err
	}
	return commandOutput(ctx, d.reaper, p, "--version")
}

func (d *supervisordDriver) prepare(dir string, svcs []service, logs logPolicy) error {
	var b strings.Builder
	minfds := max(1024, 6*len(svcs)+256)
	fmt.Fprintf(&b, "[unix_http_server]\nfile=%s\n\n", filepath.Join(dir, "supervisor.sock"))
	fmt.Fprintf(&b, "[supervisord]\nnodaemon=true\nlogfile=%s\npidfile=%s\nchildlogdir=%s\nminfds=%d\n\n",
		filepath.Join(dir, "supervisord.log"), filepath.Join(dir, "supervisord.pid"), filepath.Join(dir, "logs"), minfds)
	b.WriteString("[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n")
	fmt.Fprintf(&b, "[supervisorctl]\nserverurl=unix://%s\n\n", filepath.Join(dir, "supervisor.sock"))
	for _, s := range svcs {
		logDir := filepath.Join(dir, "logs", s.name)
		if err := os.MkdirAll(logDir, 0o755); err != nil {
			return err
		}
		fmt.Fprintf(&b, "[program:%s]\ncommand=%s\nautostart=true\nautorestart=true\nstartsecs=0\n", s.name, shellLine(s.argv))
		fmt.Fprintf(&b, "stdout_logfile=%s\nstderr_logfile=%s\n", filepath.Join(logDir, "stdout.log"), filepath.Join(logDir, "stderr.log"))
		if logs.keepAll {
			b.WriteString("stdout_logfile_maxbytes=0\nstderr_logfile_maxbytes=0\n")
		}
		b.WriteString("\n")
	}
	return os.WriteFile(filepath.Join(dir, "supervisord.conf"), []byte(b.String()), 0o644)
}

func (d *supervisordDriver) launch(dir string) (*instance, error) {
	p, err := lookPath("supervisord")
	if err != nil {
		return nil, err
	}
	return launchCmd(d.reaper, dir, "supervisord.out", nil, p, "-c", filepath.Join(dir, "supervisord.conf"))
}

func (d *supervisordDriver) roots(_ context.Context, in *instance) ([]int, error) {
	return launchedRoot(in), nil
}

func (d *supervisordDriver) stop(ctx context.Context, in *instance) error {
	return signalAndWait(ctx, in, syscall.SIGTERM)
}

func (d *supervisordDriver) status(dir, name string) *exec.Cmd {
	args := []string{"-c", filepath.Join(dir, "supervisord.conf"), "status"}
	if name != "" {
		args = append(args, name)
	}
	return exec.Command("supervisorctl", args...)
}

func (d *supervisordDriver) logBytes(dir string) (int64, error) {
	return sizeOf(filepath.Join(dir, "logs"), func(n string) bool { return strings.HasPrefix(n, "stdout") })
}

func (d *supervisordDriver) wrappers() []string { return nil }

// pm2Driver runs PM2 (Node.js) with PM2_HOME in the benchmark's directory:
// `pm2 start` of an ecosystem file spawns the God daemon there, `pm2 kill`
// ends it. Fastest restart: restart_delay 0.
type pm2Driver struct {
	reaper *reaper
}

func (d *pm2Driver) name() string { return "pm2" }

// version reads PM2's package.json: `pm2 --version` would start a daemon
// in the user's home.
func (d *pm2Driver) version(ctx context.Context) (string, error) {
	p, err := lookPath("pm2")
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(real), "..", "package.json"))
	if err != nil {
		return "", fmt.Errorf("pm2's package.json: %w", err)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return "", fmt.Errorf("pm2's package.json: %w", err)
	}
	node, err := commandOutput(ctx, d.reaper, "node", "--version")
	if err != nil {
		return "", fmt.Errorf("node: %w", err)
	}
	return pkg.Version + " (node " + node + ")", nil
}

// pm2App is one entry of an ecosystem file.
type pm2App struct {
	Name         string   `json:"name"`
	Script       string   `json:"script"`
	Args         []string `json:"args"`
	Interpreter  string   `json:"interpreter"`
	ExecMode     string   `json:"exec_mode"`
	Autorestart  bool     `json:"autorestart"`
	RestartDelay int      `json:"restart_delay"`
	OutFile      string   `json:"out_file"`
	ErrorFile    string   `json:"error_file"`
}

func (d *pm2Driver) prepare(dir string, svcs []service, _ logPolicy) error {
	apps := make([]pm2App, len(svcs))
	for i, s := range svcs {
		logDir := filepath.Join(dir, "logs", s.name)
		apps[i] = pm2App{
			Name: s.name, Script: s.argv[0], Args: s.argv[1:], Interpreter: "none", ExecMode: "fork",
			Autorestart: true, RestartDelay: 0,
			OutFile: filepath.Join(logDir, "stdout.log"), ErrorFile: filepath.Join(logDir, "stderr.log"),
		}
	}
	b, err := json.MarshalIndent(map[string]any{"apps": apps}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "pm2"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ecosystem.json"), b, 0o644)
}

func (d *pm2Driver) env(dir string) []string {
	return []string{"PM2_HOME=" + filepath.Join(dir, "pm2")}
}

func (d *pm2Driver) launch(dir string) (*instance, error) {
	p, err := lookPath("pm2")
	if err != nil {
		return nil, err
	}
	return launchCmd(d.reaper, dir, "pm2.out", d.env(dir), p, "start", filepath.Join(dir, "ecosystem.json"))
}

// roots is PM2's God daemon, from its PID file.
func (d *pm2Driver) roots(ctx context.Context, in *instance) ([]int, error) {
	deadline := time.Now().Add(pidFileWait)
	for {
		pid, err := readInt(filepath.Join(in.dir, "pm2", "pm2.pid"))
		if err == nil {
			return []int{pid}, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("pm2 daemon PID file: %w", err)
		}
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func (d *pm2Driver) stop(ctx context.Context, in *instance) error {
	if err := waitExit(ctx, in); err != nil { // the `pm2 start` CLI
		return fmt.Errorf("pm2 start: %w", err)
	}
	return runQuiet(ctx, d.reaper, d.command(in.dir, "kill"))
}

func (d *pm2Driver) command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("pm2", args...)
	cmd.Env = append(os.Environ(), d.env(dir)...)
	return cmd
}

func (d *pm2Driver) status(dir, name string) *exec.Cmd {
	if name == "" {
		return d.command(dir, "jlist")
	}
	return d.command(dir, "describe", name)
}

func (d *pm2Driver) logBytes(dir string) (int64, error) {
	return sizeOf(filepath.Join(dir, "logs"), func(n string) bool { return strings.HasPrefix(n, "stdout") })
}

func (d *pm2Driver) wrappers() []string { return nil }

// runitDriver runs runit's runsvdir on a service directory of its own: one
// runsv per service and one per logger, each logger an svlogd. A run script
// is `#!/bin/sh` + `exec PROGRAM`, as runit's documentation writes them.
// runsv restarts at once, but waits 1 s if the process ran less than 1 s.
type runitDriver struct {
	reaper *reaper
}

func (d *runitDriver) name() string { return "runit" }

func (d *runitDriver) version(ctx context.Context) (string, error) {
	for _, p := range []string{"runsvdir", "runsv", "sv", "svlogd"} {
		if _, err := lookPath(p); err != nil {
			return "", err
		}
	}
	return packageVersion(ctx, d.reaper, "runit"), nil
}

func (d *runitDriver) prepare(dir string, svcs []service, logs logPolicy) error {
	svlogd, err := lookPath("svlogd")
	if err != nil {
		return err
	}
	for _, s := range svcs {
		sv := filepath.Join(dir, "sv", s.name)
		if err := os.MkdirAll(filepath.Join(sv, "log", "main"), 0o755); err != nil {
			return err
		}
		if err := writeScript(filepath.Join(sv, "run"), s.argv...); err != nil {
			return err
		}
		if err := writeScript(filepath.Join(sv, "log", "run"), svlogd, "./main"); err != nil {
			return err
		}
		if logs.keepAll { // s0: never rotate
			if err := os.WriteFile(filepath.Join(sv, "log", "main", "config"), []byte("s0\n"), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *runitDriver) launch(dir string) (*instance, error) {
	p, err := lookPath("runsvdir")
	if err != nil {
		return nil, err
	}
	return launchCmd(d.reaper, dir, "runsvdir.out", nil, p, filepath.Join(dir, "sv"))
}

func (d *runitDriver) roots(_ context.Context, in *instance) ([]int, error) {
	return launchedRoot(in), nil
}

// stop sends SIGHUP to runsvdir: it sends SIGTERM to every runsv and
// exits; each runsv stops its service and its logger, then exits.
func (d *runitDriver) stop(ctx context.Context, in *instance) error {
	err := signalAndWait(ctx, in, syscall.SIGHUP)
	var exit *exec.ExitError
	if err == nil && errors.As(in.err, &exit) && exit.ExitCode() != 111 {
		return fmt.Errorf("runsvdir: %w", in.err)
	}
	return err
}

func (d *runitDriver) status(dir, name string) *exec.Cmd {
	if name != "" {
		return exec.Command("sv", "status", filepath.Join(dir, "sv", name))
	}
	return exec.Command("sv", append([]string{"status"}, serviceDirs(filepath.Join(dir, "sv"))...)...)
}

func (d *runitDriver) logBytes(dir string) (int64, error) {
	return sizeOf(filepath.Join(dir, "sv"), isLogFile)
}

func (d *runitDriver) wrappers() []string { return []string{"run"} }

// s6Driver runs s6-svscan on a scan directory of its own: one
// s6-supervise per service and one per logger, each logger an s6-log. Run
// scripts as for runit. s6-supervise waits 1 s between two starts.
type s6Driver struct {
	reaper *reaper
}

func (d *s6Driver) name() string { return "s6" }

func (d *s6Driver) version(ctx context.Context) (string, error) {
	for _, p := range []string{"s6-svscan", "s6-supervise", "s6-svstat", "s6-log"} {
		if _, err := lookPath(p); err != nil {
			return "", err
		}
	}
	return packageVersion(ctx, d.reaper, "s6"), nil
}

func (d *s6Driver) prepare(dir string, svcs []service, logs logPolicy) error {
	s6log, err := lookPath("s6-log")
	if err != nil {
		return err
	}
	script := []string{s6log}
	if logs.keepAll { // one 250 MB file: no rotation below that
		script = append(script, "n2", "s250000000")
	}
	script = append(script, "./main")
	for _, s := range svcs {
		sv := filepath.Join(dir, "scan", s.name)
		if err := os.MkdirAll(filepath.Join(sv, "log"), 0o755); err != nil {
			return err
		}
		if err := writeScript(filepath.Join(sv, "run"), s.argv...); err != nil {
			return err
		}
		if err := writeScript(filepath.Join(sv, "log", "run"), script...); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "services"), []byte(strconv.Itoa(len(svcs))), 0o644)
}

func (d *s6Driver) launch(dir string) (*instance, error) {
	p, err := lookPath("s6-svscan")
	if err != nil {
		return nil, err
	}
	n, err := readInt(filepath.Join(dir, "services"))
	if err != nil {
		return nil, err
	}
	// Every service and every logger is a service directory.
	return launchCmd(d.reaper, dir, "s6-svscan.out", nil, p, "-c", strconv.Itoa(max(1000, 2*n+16)), filepath.Join(dir, "scan"))
}

func (d *s6Driver) roots(_ context.Context, in *instance) ([]int, error) {
	return launchedRoot(in), nil
}

// stop sends SIGTERM to s6-svscan: it brings every service and logger
// down and exits.
func (d *s6Driver) stop(ctx context.Context, in *instance) error {
	return signalAndWait(ctx, in, syscall.SIGTERM)
}

// status: s6-svstat shows one service directory; plain s6 has no command
// for all of them, so "all" is a shell loop over the scan directory.
func (d *s6Driver) status(dir, name string) *exec.Cmd {
	if name != "" {
		return exec.Command("s6-svstat", filepath.Join(dir, "scan", name))
	}
	return exec.Command("/bin/sh", "-c", `for d in "$1"/*/; do s6-svstat "$d"; done`, "sh", filepath.Join(dir, "scan"))
}

func (d *s6Driver) logBytes(dir string) (int64, error) {
	return sizeOf(filepath.Join(dir, "scan"), isLogFile)
}

func (d *s6Driver) wrappers() []string { return []string{"run"} }

// isLogFile says whether a file of an svlogd or s6-log directory holds
// log lines: the current file and the rotated ones (@...).
func isLogFile(name string) bool {
	return name == "current" || strings.HasPrefix(name, "@")
}

// serviceDirs returns the service directories in dir, sorted.
func serviceDirs(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out
}

// commandOutput runs a short command and returns the first line of its
// output.
func commandOutput(ctx context.Context, r *reaper, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := runQuiet(ctx, r, cmd); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	return line, nil
}

// packageVersion asks the system's package manager for the version of a
// package, for the peers that have no version flag.
func packageVersion(ctx context.Context, r *reaper, pkg string) string {
	if v, err := commandOutput(ctx, r, "dpkg-query", "-W", "-f=${Version}", pkg); err == nil && v != "" {
		return v
	}
	if v, err := commandOutput(ctx, r, "rpm", "-q", "--qf", "%{VERSION}-%{RELEASE}", pkg); err == nil && v != "" {
		return v
	}
	return "unknown"
}

// runQuiet runs cmd through the reaper and kills it if ctx ends first.
func runQuiet(ctx context.Context, r *reaper, cmd *exec.Cmd) error {
	if err := r.start(cmd); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- r.wait(cmd) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		return ctx.Err()
	}
}
