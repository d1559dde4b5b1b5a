//go:build linux

package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// results is everything one run measured; it is written as JSON with -out.
type results struct {
	Date     string            `json:"date"`
	Command  string            `json:"command"`
	Machine  machine           `json:"machine"`
	Versions map[string]string `json:"versions"`
	Skipped  map[string]string `json:"skipped,omitempty"`
	Settings settings          `json:"settings"`
	Figures  []*figure         `json:"figures"`
	Targets  []target          `json:"targets,omitempty"`
	Errors   []string          `json:"errors,omitempty"`
}

// machine describes where the run happened.
type machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model"`
	MemoryGB string `json:"memory_gib"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	// LoadStart and LoadEnd are /proc/loadavg's 1, 5 and 15 min load
	// averages when the run started and ended: other work on the machine
	// shows there.
	LoadStart string `json:"load_start"`
	LoadEnd   string `json:"load_end"`
}

// settings are the parameters of the run.
type settings struct {
	Sizes       []int   `json:"sizes"`
	Reps        int     `json:"reps"`
	LargeReps   int     `json:"reps_1000_services"`
	Kills       int     `json:"kills"`
	Queries     int     `json:"queries"`
	GapS        float64 `json:"restart_gap_s"`
	IdleN       int     `json:"idle_services"`
	IdleS       float64 `json:"idle_window_s"`
	LogBytes    int64   `json:"log_bytes"`
	FloodN      int     `json:"flood_services"`
	FloodRate   int     `json:"flood_lines_per_s"`
	FloodS      float64 `json:"flood_window_s"`
	MemSettleMS float64 `json:"memory_settle_ms"`
	// ExecWatch is how the restarts were timed (execWatch's kinds); runs
	// that did not record it used inotify.
	ExecWatch string `json:"exec_watch,omitempty"`
}

// figure is one measured quantity of one supervisor at one size: every
// sample, and their median, minimum and maximum.
type figure struct {
	Metric     string    `json:"metric"`
	Supervisor string    `json:"supervisor"`
	N          int       `json:"n"`
	Unit       string    `json:"unit"`
	Values     []float64 `json:"values"`
	Median     float64   `json:"median"`
	Min        float64   `json:"min"`
	Max        float64   `json:"max"`
}

// metricInfo describes a metric for the tables.
type metricInfo struct {
	id, title, unit, note string
}

// metrics returns the metrics in the order of the report.
func metrics() []metricInfo {
	return []metricInfo{
		{"restart", "Restart latency", "ms", "SIGKILL of the service's process → its replacement has exec'd sleep (lower is better)"},
		{"rss", "Memory: RSS of the supervisor's own processes", "MiB", "sleep services, logs on; the services' own memory is not counted"},
		{"pss", "Memory: PSS of the supervisor's own processes", "MiB", "shared pages divided among the processes that map them"},
		{"threads", "OS threads of the supervisor's main process", "threads", ""},
		{"procs", "Processes the supervisor runs besides the services", "processes", "runit: a runsv and an svlogd per service; s6: an s6-supervise per service and per logger, and an s6-log per service"},
		{"startup", "Start-up: launch → every service has exec'd", "s", ""},
		{"cli-all", "CLI: status of all services", "ms", "one run of the status command, fork to exit"},
		{"cli-one", "CLI: status of one service", "ms", ""},
		{"idle-cpu", "Idle CPU of the supervisor", "% of one CPU", "services sleeping, nothing happening"},
		{"log-throughput", "Log throughput: one service writing as fast as it can", "MB/s", "100-byte lines; from the first byte until all are in the log file (higher is better)"},
		{"log-cpu", "CPU time the supervisor spent on that output", "s", ""},
		{"flood-cli-all", "CLI during a log flood: status of all services", "ms", ""},
		{"flood-cli-one", "CLI during a log flood: status of one service", "ms", ""},
		{"flood-cpu", "Supervisor CPU during the log flood", "% of one CPU", ""},
		{"flood-logged", "Output logged during the flood", "MB/s", "what reached the log files"},
	}
}

func metricByID(id string) metricInfo {
	for _, m := range metrics() {
		if m.id == id {
			return m
		}
	}
	return metricInfo{id: id, title: id}
}

// add records one sample.
func (r *results) add(metric, supervisor string, n int, v float64) {
	for _, f := range r.Figures {
		if f.Metric == metric && f.Supervisor == supervisor && f.N == n {
			f.Values = append(f.Values, v)
			return
		}
	}
	r.Figures = append(r.Figures, &figure{Metric: metric, Supervisor: supervisor, N: n, Unit: metricByID(metric).unit, Values: []float64{v}})
}

// finish computes the statistics of every figure.
func (r *results) finish() {
	for _, f := range r.Figures {
		f.Median, f.Min, f.Max = median(f.Values), slices.Min(f.Values), slices.Max(f.Values)
	}
}

// get returns a figure, or nil.
func (r *results) get(metric, supervisor string, n int) *figure {
	for _, f := range r.Figures {
		if f.Metric == metric && f.Supervisor == supervisor && f.N == n {
			return f
		}
	}
	return nil
}

// median of vs (the mean of the two middle values for an even count).
func median(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// num formats a value with three significant digits, without exponent
// for the values the report shows.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e9:
		return strconv.FormatInt(int64(v), 10)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a >= 0.001:
		return strconv.FormatFloat(v, 'f', int(2-math.Floor(math.Log10(a))), 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// cell is "median (min–max)", or the value alone when all samples agree.
func (f *figure) cell() string {
	if f.Min == f.Max {
		return num(f.Median)
	}
	return fmt.Sprintf("%s (%s–%s)", num(f.Median), num(f.Min), num(f.Max))
}

// restartSettings describes how the restarts were timed, or says that none
// were (a run without the restart metric has no watch to name).
func (r *results) restartSettings() string {
	if !slices.ContainsFunc(r.Figures, func(f *figure) bool { return f.Metric == "restart" }) {
		return "no restarts timed"
	}
	s := r.Settings
	// Runs that did not record the watch used inotify.
	return fmt.Sprintf("%d kills each (timed to the exec of the service's program, seen by %s; each service up ≥ %s s)",
		s.Kills, cmp.Or(s.ExecWatch, "inotify"), num(s.GapS))
}

// settings returns the clauses of the report's settings line: those of
// the whole run, then, as restartSettings does for the restarts, each
// group of metrics' settings only when the report has its figures (a run
// of some metrics only must not name settings of work it did not do).
func (r *results) settings() []string {
	s := r.Settings
	clauses := []string{
		fmt.Sprintf("sizes %s", joinInts(s.Sizes)),
		fmt.Sprintf("%d repetitions (%d with %d services or more), supervisors interleaved (order rotated each repetition)", s.Reps, s.LargeReps, largeSize),
		r.restartSettings(),
	}
	// The CLI's queries are timed alone and during the flood.
	if r.hasMetric("cli-", "flood-cli-") {
		clauses = append(clauses, fmt.Sprintf("%d CLI queries per instance", s.Queries))
	}
	if r.hasMetric("idle-") {
		clauses = append(clauses, fmt.Sprintf("idle: %d services, %d windows of %s s", s.IdleN, s.Reps, num(s.IdleS)))
	}
	if r.hasMetric("log-") {
		clauses = append(clauses, fmt.Sprintf("log throughput: %s MB", num(float64(s.LogBytes)/1e6)))
	}
	if r.hasMetric("flood-") {
		clauses = append(clauses, fmt.Sprintf("flood: %d services × %d lines/s, %s s", s.FloodN, s.FloodRate, num(s.FloodS)))
	}
	return clauses
}

// hasMetric reports whether the report has a figure of a metric whose id
// begins with one of prefixes.
func (r *results) hasMetric(prefixes ...string) bool {
	return slices.ContainsFunc(r.Figures, func(f *figure) bool {
		return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(f.Metric, p) })
	})
}

// writeMarkdown writes the report: the machine, the versions, then one
// table per metric (rows: supervisors in order; columns: sizes), then the
// targets.
func (r *results) writeMarkdown(w io.Writer, order []string) {
	fmt.Fprintf(w, "Run of %s: `%s`\n\n", r.Date, r.Command)
	m := r.Machine
	fmt.Fprintf(w, "Machine: %d CPUs (%s), %s GiB RAM, Linux %s; %s. Load average (1, 5, 15 min) at the start: %s; at the end: %s.\n\n",
		m.CPUs, m.CPUModel, m.MemoryGB, m.Kernel, m.Go, m.LoadStart, m.LoadEnd)
	var vs []string
	for _, name := range order {
		if v, ok := r.Versions[name]; ok && v != "-" {
			vs = append(vs, name+" "+v)
		}
	}
	fmt.Fprintf(w, "Versions: %s.\n\n", strings.Join(vs, "; "))
	for _, name := range slices.Sorted(maps.Keys(r.Skipped)) {
		fmt.Fprintf(w, "Skipped: %s (%s).\n\n", name, r.Skipped[name])
	}
	fmt.Fprintf(w, "Settings: %s.\n\n", strings.Join(r.settings(), "; "))
	fmt.Fprintf(w, "Cells: median (min–max) of all samples.\n\n")
	for _, mi := range metrics() {
		r.writeTable(w, mi, order)
	}
	if len(r.Targets) > 0 {
		fmt.Fprintf(w, "#### superd's targets\n\n| target | measured | met |\n|---|---|---|\n")
		for _, t := range r.Targets {
			fmt.Fprintf(w, "| %s | %s | %s |\n", t.Target, t.Measured, t.verdict())
		}
		fmt.Fprintln(w)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "Error: %s\n\n", e)
	}
}

// writeTable writes the table of one metric, if anything measured it.
func (r *results) writeTable(w io.Writer, mi metricInfo, order []string) {
	var sizes []int
	rows := map[string]bool{}
	for _, f := range r.Figures {
		if f.Metric == mi.id {
			if !slices.Contains(sizes, f.N) {
				sizes = append(sizes, f.N)
			}
			rows[f.Supervisor] = true
		}
	}
	if len(sizes) == 0 {
		return
	}
	slices.Sort(sizes)
	fmt.Fprintf(w, "#### %s (%s)\n\n", mi.title, mi.unit)
	if mi.note != "" {
		fmt.Fprintf(w, "%s.\n\n", mi.note)
	}
	fmt.Fprint(w, "| supervisor |")
	for _, n := range sizes {
		fmt.Fprintf(w, " N=%d |", n)
	}
	fmt.Fprint(w, "\n|---|")
	for range sizes {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, name := range order {
		if !rows[name] {
			continue
		}
		fmt.Fprintf(w, "| %s |", name)
		for _, n := range sizes {
			if f := r.get(mi.id, name, n); f != nil {
				fmt.Fprintf(w, " %s |", f.cell())
			} else {
				fmt.Fprint(w, " – |")
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// writeMarkdownFile writes the report to path.
func (r *results) writeMarkdownFile(path string, order []string) error {
	var b strings.Builder
	r.writeMarkdown(&b, order)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeJSON writes the results to path.
func (r *results) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
