//go:build linux

package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// binaries are the programs superbench builds from this module.
type binaries struct {
	superd, supers, loop, flood, nop string
}

// module is the import path of this module.
const module = "github.com/supers-dev/supers"

// setup builds the programs, finds the installed peers and records the
// machine.
func (b *bench) setup(ctx context.Context, args []string) error {
	o := b.opt
	b.res.Date = time.Now().UTC().Format("2006-01-02")
	b.res.Command = commandLine(args)
	b.res.Machine = machineInfo()
	b.res.Versions = map[string]string{}
	b.res.Skipped = map[string]string{}
	b.res.Settings = settings{
		Sizes: o.sizes, Reps: o.reps, LargeReps: o.largeReps, Kills: o.kills, Queries: o.queries,
		GapS:  o.gap.Seconds(),
		IdleN: o.idleN, IdleS: o.idle.Seconds(), LogBytes: o.logBytes,
		FloodN: o.floodN, FloodRate: o.floodRate, FloodS: o.floodTime.Seconds(),
		MemSettleMS: float64(o.settle) / float64(time.Millisecond),
	}
	b.log.Info("building superd, supers and the helpers")
	bins, err := b.build(ctx)
	if err != nil {
		return err
	}
	b.bins = bins
	for _, name := range o.peers {
		var d driver
		switch name {
		case "superd":
			d = &superdDriver{bins: bins, reaper: b.reaper, release: builtVersion(ctx, b.reaper, o.release, bins.superd)}
		case "supervisord":
			d = &supervisordDriver{reaper: b.reaper}
		case "pm2":
			d = &pm2Driver{reaper: b.reaper}
		case "runit":
			d = &runitDriver{reaper: b.reaper}
		case "s6":
			d = &s6Driver{reaper: b.reaper}
		case "loop":
			b.direct = &loopDriver{bins: bins, reaper: b.reaper, mode: "file", label: directName}
			d = &loopDriver{bins: bins, reaper: b.reaper, mode: "pipe", label: loopName}
		}
		v, err := d.version(ctx)
		if err != nil {
			if !errors.Is(err, errNotInstalled) {
				err = fmt.Errorf("cannot run: %w", err)
			}
			b.res.Skipped[name] = err.Error()
			b.log.Warn("skipping a peer", "peer", name, "reason", err)
			continue
		}
		b.res.Versions[d.name()] = v
		b.drivers = append(b.drivers, d)
	}
	if len(b.drivers) == 0 {
		return errors.New("no supervisor to run")
	}
	return nil
}

// build compiles superd, supers and the helpers into the run's
// directory, as `make build` does (static, stripped).
func (b *bench) build(ctx context.Context) (binaries, error) {
	dir := filepath.Join(b.root, "bin")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return binaries{}, err
	}
	// -buildvcs=auto, Go's default, stamps the commit in the binaries
	// (builtVersion reads it) even where GOFLAGS turns it off; without a
	// repository or git, they go unstamped.
	cmd := exec.Command(b.opt.goCmd, "build", "-buildvcs=auto", "-trimpath", "-ldflags", "-s -w -X main.version="+cmp.Or(b.opt.release, "dev"),
		"-o", dir+string(filepath.Separator),
		module+"/cmd/superd", module+"/cmd/supers",
		module+"/cmd/superbench/internal/loop", module+"/cmd/superbench/internal/flood",
		module+"/cmd/superbench/internal/nop")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := runQuiet(ctx, b.reaper, cmd); err != nil {
		return binaries{}, fmt.Errorf("go build (run superbench from the repository): %w\n%s", err, out.String())
	}
	return binaries{
		superd: filepath.Join(dir, "superd"),
		supers: filepath.Join(dir, "supers"),
		loop:   filepath.Join(dir, "loop"),
		flood:  filepath.Join(dir, "flood"),
		nop:    filepath.Join(dir, "nop"),
	}, nil
}

// builtVersion is the version the results give for the superd at path:
// release (-superd-version) if it names the commit the binary was built
// from, else that commit, with release beside it if given. The commit is
// the one Go stamped in the binary (vcs.revision), "-dirty" added when the
// tree had changes that are not committed (vcs.modified): so the results
// say which code was measured whatever label the run was given. Go stamps
// nothing in a git worktree (its .git is a file) nor without git; then git
// is asked about the current directory, the tree superbench builds.
func builtVersion(ctx context.Context, r *reaper, release, path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil || !slices.ContainsFunc(info.Settings, func(s debug.BuildSetting) bool { return s.Key == "vcs.revision" }) {
		info = gitInfo(ctx, r, ".")
	}
	return versionOf(release, info)
}

// gitInfo is the commit checked out in the git tree at dir, and whether
// the tree has changes (git status, untracked files included, as Go's
// stamp counts them), as a build's VCS stamp; nil without git or a
// repository.
func gitInfo(ctx context.Context, r *reaper, dir string) *debug.BuildInfo {
	rev, err := commandOutput(ctx, r, "git", "-C", dir, "rev-parse", "HEAD")
	if err != nil || rev == "" {
		return nil
	}
	status, err := commandOutput(ctx, r, "git", "-C", dir, "status", "--porcelain")
	if err != nil {
		return nil
	}
	return &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
		{Key: "vcs.modified", Value: strconv.FormatBool(status != "")},
	}}
}

// versionOf is builtVersion's label for the build info of a binary (nil if
// unreadable).
func versionOf(release string, info *debug.BuildInfo) string {
	var rev string
	var modified bool
	if info != nil {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev == "" {
		return cmp.Or(release, "dev") + " (commit unknown: the build has no VCS stamp)"
	}
	tree := rev[:min(len(rev), 12)]
	if modified {
		tree += "-dirty"
	}
	switch {
	case release == "":
		return tree
	case strings.Contains(release, rev[:min(len(rev), 7)]) && strings.HasSuffix(release, "-dirty") == modified:
		return release // git describe --dirty's form: [tag-n-g]commit[-dirty]
	}
	return release + " (built from " + tree + ")"
}

// commandLine shows how superbench was run, with file names instead of
// absolute paths (the results may be published).
func commandLine(args []string) string {
	words := []string{"superbench"}
	for _, a := range args {
		name, val, ok := strings.Cut(a, "=")
		switch {
		case filepath.IsAbs(a):
			a = filepath.Base(a)
		case ok && filepath.IsAbs(val):
			a = name + "=" + filepath.Base(val)
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// machineInfo describes this machine.
func machineInfo() machine {
	m := machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), CPUModel: "unknown", MemoryGB: "?"}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPUModel = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			m.MemoryGB = strconv.FormatFloat(kb/(1<<20), 'f', 1, 64)
		}
	}
	m.LoadStart = loadAverage()
	return m
}

// loadAverage returns the 1, 5 and 15 min load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], ", ")
}

// procField returns the value of the first "key: value" line of a /proc
// file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
