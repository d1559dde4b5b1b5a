//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// bench runs the benchmarks: it owns the temporary directory, the drivers
// and the results.
type bench struct {
	opt     options
	log     *slog.Logger
	reaper  *reaper
	bins    binaries
	root    string   // temporary directory of this run
	drivers []driver // installed supervisors, superd first, the bare loop last
	direct  driver   // the loop with the service writing straight to its file
	res     *results
}

// running is a supervisor that has started its services.
type running struct {
	drv      driver
	in       *instance
	startup  time.Duration // from launch until every service had exec'd
	services []procStat
}

// dir returns a new empty directory for one instance, named after parts
// (spaces become dashes).
func (b *bench) dir(parts ...any) (string, error) {
	name := strings.ReplaceAll(fmt.Sprint(parts...), " ", "-")
	d := filepath.Join(b.root, name)
	if err := os.Mkdir(d, 0o755); err != nil {
		return "", err
	}
	return d, nil
}

// sleepServices returns n services s0…s(n-1) that sleep.
func sleepServices(n int) []service {
	svcs := make([]service, n)
	for i := range svcs {
		svcs[i] = service{name: "s" + strconv.Itoa(i), argv: []string{sleepPath, "100000"}}
	}
	return svcs
}

// sleepPath is the service program of most benchmarks.
const sleepPath = "/bin/sleep"

// comm is the command name the kernel shows for a program: its base name,
// cut to 15 bytes.
func comm(path string) string {
	c := filepath.Base(path)
	if len(c) > 15 {
		c = c[:15]
	}
	return c
}

// up writes the configuration of svcs for drv in dir, launches the
// supervisor and waits until every service's process has exec'd its
// program (all svcs run the same program).
func (b *bench) up(ctx context.Context, drv driver, dir string, svcs []service, logs logPolicy) (*running, error) {
	if err := drv.prepare(dir, svcs, logs); err != nil {
		return nil, fmt.Errorf("%s: writing its configuration: %w", drv.name(), err)
	}
	w, err := newSpawnWatch(comm(svcs[0].argv[0]), drv.wrappers(), b.reaper.self)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	in, err := drv.launch(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", drv.name(), err)
	}
	r := &running{drv: drv, in: in}
	deadline := t0.Add(b.opt.timeout)
	for {
		if err := w.poll(); err != nil {
			return r, b.abort(ctx, r, err)
		}
		if w.count() >= len(svcs) {
			r.startup = time.Since(t0)
			r.services = w.running()
			return r, nil
		}
		select {
		case <-in.exited:
			if in.err != nil {
				return r, b.abort(ctx, r, fmt.Errorf("%s exited: %w: %s", drv.name(), in.err, in.lastOutput()))
			}
		default:
		}
		if time.Now().After(deadline) {
			return r, b.abort(ctx, r, fmt.Errorf("%s: %d of %d services running after %v (its output: %s)",
				drv.name(), w.count(), len(svcs), b.opt.timeout, in.lastOutput()))
		}
		if err := sleep(ctx, startPoll); err != nil {
			return r, b.abort(ctx, r, err)
		}
	}
}

// startPoll is how often up looks for new processes.
const startPoll = time.Millisecond

// abort stops a supervisor that failed to come up, and returns err.
func (b *bench) abort(ctx context.Context, r *running, err error) error {
	if derr := b.down(context.WithoutCancel(ctx), r); derr != nil {
		b.log.Warn("stopping after a failure", "supervisor", r.drv.name(), "err", derr)
	}
	return err
}

// tree returns every process of the supervisor and of its services.
func (b *bench) tree(ctx context.Context, r *running) ([]procStat, error) {
	roots, err := r.drv.roots(ctx, r.in)
	if err != nil {
		return nil, err
	}
	s, err := takeSnapshot()
	if err != nil {
		return nil, err
	}
	return s.descendants(append(roots, r.in.cmd.Process.Pid)...), nil
}

// own returns the supervisor's own processes: its tree without the
// services (and without anything they started).
func (b *bench) own(ctx context.Context, r *running) ([]procStat, error) {
	roots, err := r.drv.roots(ctx, r.in)
	if err != nil {
		return nil, err
	}
	s, err := takeSnapshot()
	if err != nil {
		return nil, err
	}
	target := r.services[0].comm
	var out []procStat
	skip := map[int]bool{}
	for _, st := range s.descendants(roots...) {
		if st.comm == target || skip[st.ppid] {
			skip[st.pid] = true
			continue
		}
		out = append(out, st)
	}
	return out, nil
}

// down stops a supervisor and waits until each of its processes, and each
// of its services', is gone; what is left after the graceful stop gets
// SIGKILL, by PID.
func (b *bench) down(ctx context.Context, r *running) error {
	sctx, cancel := context.WithTimeout(ctx, b.opt.timeout)
	defer cancel()
	procs, terr := b.tree(sctx, r)
	serr := r.drv.stop(sctx, r.in)
	var werr error
	if terr == nil {
		werr = b.reaper.waitGone(sctx, procs)
	}
	if serr != nil || werr != nil || terr != nil {
		kctx, cancel := context.WithTimeout(ctx, killWait)
		defer cancel()
		if procs != nil {
			killTree(procs)
			_ = b.reaper.waitGone(kctx, procs)
		}
		_ = r.in.cmd.Process.Kill()
	}
	<-r.in.exited
	if err := errors.Join(terr, serr, werr); err != nil {
		return fmt.Errorf("stopping %s: %w", r.drv.name(), err)
	}
	return nil
}

// killWait bounds the wait for processes killed with SIGKILL.
const killWait = 30 * time.Second

// downAndClean stops a supervisor and empties its directory: the files'
// data is freed, the files themselves stay until the run's directory is
// removed at the end (see emptyFiles).
func (b *bench) downAndClean(ctx context.Context, r *running) error {
	err := b.down(ctx, r)
	if rerr := emptyFiles(r.in.dir); rerr != nil {
		err = errors.Join(err, rerr)
	}
	return err
}

// emptyFiles truncates every regular file under dir, which frees their
// data (the log benchmarks write gigabytes in all) but deletes no inode.
//
// Deleting is what the run must not do between two measurements: on an
// ext4 file system without a journal, the kernel will not reuse an inode
// deleted in the last 60 s (360 s if its inode table block is still dirty),
// and it finds that out for each free inode it tries, one at a time
// (ext4's recently_deleted). Creating files right after another
// supervisor's thousands were deleted is then many times slower: 3000
// directories and files took 0.60 s instead of 0.047 s on the machine of
// examples/bench/README.md. The start-up of the next supervisor measured
// the previous one's clean-up, and which came first varied by repetition.
func emptyFiles(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if err := os.Truncate(path, 0); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

// usage is the memory of a set of processes.
type usage struct {
	rss, pss    uint64
	procs       int
	rootThreads int // threads of the first process (the daemon)
	threads     int // threads of all of them
}

// memoryOf sums the memory of procs.
func memoryOf(procs []procStat) (usage, error) {
	var u usage
	for i, st := range procs {
		rss, pss, err := memory(st.pid)
		if err != nil {
			return u, fmt.Errorf("memory of %s (%d): %w", st.comm, st.pid, err)
		}
		u.rss += rss
		u.pss += pss
		u.procs++
		u.threads += st.threads
		if i == 0 {
			u.rootThreads = st.threads
		}
	}
	return u, nil
}

// cpuOf sums the CPU time procs have used so far; a process that has ended
// counts as nothing.
func cpuOf(procs []procStat) time.Duration {
	var sum time.Duration
	for _, st := range procs {
		if d, err := cpuTime(st.pid); err == nil {
			sum += d
		}
	}
	return sum
}

// timeCommand runs cmd and returns how long it took, from the fork to its
// exit. Its stdout is a pipe that superbench reads and discards, as a
// terminal or a pipeline would take it (with /dev/null, writing would cost
// nothing at all); its stderr goes to errFile.
func (b *bench) timeCommand(ctx context.Context, cmd *exec.Cmd, errFile *os.File) (time.Duration, error) {
	// Through a pipe, as to io.Discard, but what says why it failed is
	// kept: some CLIs (runit's sv) say it on stdout.
	var out outcome
	cmd.Stdout = &out
	if errFile != nil {
		cmd.Stderr = errFile
	}
	ctx, cancel := context.WithTimeout(ctx, b.opt.timeout)
	defer cancel()
	t0 := time.Now()
	err := runQuiet(ctx, b.reaper, cmd)
	d := time.Since(t0)
	if err != nil {
		if line := out.why(); line != "" {
			return d, fmt.Errorf("%s: %w (stdout: %s)", filepath.Base(cmd.Path), err, line)
		}
		return d, fmt.Errorf("%s: %w", filepath.Base(cmd.Path), err)
	}
	return d, nil
}

// outcome is an io.Writer that keeps, of a CLI's output, the first line
// that complains and the last line. runit's sv, for one, prints a line per
// service in the order given, "fail: NAME: ..." or "warning: NAME: ..." for
// the ones it could not read, and exits with their number: the complaint
// may be anywhere in the output.
type outcome struct {
	partial   []byte // the current line, up to lineMax bytes
	last      string // the last complete non-empty line
	complaint string // the first line that starts with a complaint
}

// lineMax bounds the bytes kept of one line.
const lineMax = 512

func (o *outcome) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			o.add(p)
			break
		}
		o.add(p[:i])
		o.endLine()
		p = p[i+1:]
	}
	return n, nil
}

func (o *outcome) add(p []byte) {
	if room := lineMax - len(o.partial); room > 0 {
		o.partial = append(o.partial, p[:min(len(p), room)]...)
	}
}

func (o *outcome) endLine() {
	line := strings.TrimSpace(string(o.partial))
	o.partial = o.partial[:0]
	if line == "" {
		return
	}
	o.last = line
	if o.complaint == "" && isComplaint(line) {
		o.complaint = line
	}
}

// isComplaint reports whether line starts with a word that says something
// went wrong, as "fail:", "warning:", "fatal:" or "error:".
func isComplaint(line string) bool {
	word, _, ok := strings.Cut(line, ":")
	if !ok {
		return false
	}
	switch strings.ToLower(word) {
	case "fail", "failed", "warning", "fatal", "error":
		return true
	}
	return false
}

// why returns the first complaint, or else the last line.
func (o *outcome) why() string {
	if len(o.partial) > 0 {
		o.endLine()
	}
	if o.complaint != "" {
		return o.complaint
	}
	return o.last
}

// rotate returns ds starting at the k-th element, so that from one
// repetition to the next no supervisor always runs first.
func rotate[T any](ds []T, k int) []T {
	if len(ds) == 0 {
		return nil
	}
	k %= len(ds)
	return append(append([]T(nil), ds[k:]...), ds[:k]...)
}

// fail records a benchmark that could not be measured.
func (b *bench) fail(phase string, drv driver, err error) {
	b.log.Error("benchmark failed", "phase", phase, "supervisor", drv.name(), "err", err)
	// The results may be published: no path of this machine in them.
	msg := strings.ReplaceAll(strings.ReplaceAll(err.Error(), b.root, "$TMPDIR"), "\n", "; ")
	b.res.Errors = append(b.res.Errors, fmt.Sprintf("%s, %s: %s", phase, drv.name(), msg))
}
