package main

import (
	"slices"
	"strings"
	"testing"
)

// targetNamed returns the target of r whose name starts with prefix.
func targetNamed(t *testing.T, r *results, prefix string) target {
	t.Helper()
	for _, tg := range r.Targets {
		if strings.HasPrefix(tg.Target, prefix) {
			return tg
		}
	}
	t.Fatalf("no target %q in %+v", prefix, r.Targets)
	return target{}
}

// A target set against another row (supervisord's throughput, the bare
// pipe's) is not judged when that row was not measured: it said "yes"
// (met: true in the JSON) for a comparison that never ran.
func TestTargetsAgainstRowsNotMeasured(t *testing.T) {
	var r results
	r.add("log-throughput", superdName, 1, 1428)
	r.finish()
	r.checkTargets(100)
	for _, prefix := range []string{"log throughput ≥ supervisord's", "log throughput ≥ 0.8 × bare pipe"} {
		tg := targetNamed(t, &r, prefix)
		if tg.Met != nil || tg.verdict() != "not measured" || !strings.Contains(tg.Measured, "1428 MB/s") {
			t.Errorf("%s without its reference row: %+v (%s), want superd's figure and not measured", prefix, tg, tg.verdict())
		}
	}
	// With the rows, judged.
	r = results{}
	r.add("log-throughput", superdName, 1, 1000)
	r.add("log-throughput", "supervisord", 1, 900)
	r.add("log-throughput", loopName, 1, 1500)
	r.finish()
	r.checkTargets(100)
	if tg := targetNamed(t, &r, "log throughput ≥ supervisord's"); tg.verdict() != "yes" {
		t.Errorf("1000 against supervisord's 900: %+v", tg)
	}
	if tg := targetNamed(t, &r, "log throughput ≥ 0.8 × bare pipe"); tg.verdict() != "**no**" {
		t.Errorf("1000 against 0.8 × 1500: %+v", tg)
	}
}

// The threads target is judged on the most threads of any run, and shows
// that figure, not the median beside a verdict the median does not give.
func TestThreadsTargetShowsWhatItJudges(t *testing.T) {
	var r results
	for _, v := range []float64{13, 14, 21} {
		r.add("threads", superdName, targetN, v)
	}
	r.finish()
	r.checkTargets(100)
	tg := targetNamed(t, &r, "memory, 1000 logged services: ≤ 20 OS threads")
	if tg.verdict() != "**no**" || tg.Measured != "21 threads at most" {
		t.Errorf("threads 13, 14, 21: %+v (%s), want 21 at most, not met", tg, tg.verdict())
	}
}

// The settings line names the watch that timed the restarts only when
// restarts were timed: a run of other metrics said "seen by inotify" of
// kills it never made.
func TestSettingsLineTellsHowRestartsWereTimed(t *testing.T) {
	var r results
	r.Settings.Kills = 20
	r.add("rss", superdName, 1, 12)
	r.finish()
	var b strings.Builder
	r.writeMarkdown(&b, []string{superdName})
	if out := b.String(); !strings.Contains(out, "no restarts timed") || strings.Contains(out, "seen by") {
		t.Errorf("a run without restarts:\n%s\nwant \"no restarts timed\" and no watch named", out)
	}
	r.add("restart", superdName, 1, 1.1)
	r.Settings.ExecWatch = watchFanotify
	r.finish()
	b.Reset()
	r.writeMarkdown(&b, []string{superdName})
	if out := b.String(); !strings.Contains(out, "20 kills each") || !strings.Contains(out, "seen by "+watchFanotify) {
		t.Errorf("a run with restarts:\n%s\nwant its kills and watch named", out)
	}
	// The other clauses (CLI queries, idle, log throughput, flood) were
	// named whatever ran, so that a run of the memory metrics only listed
	// settings of work never done: each now comes only with its metrics'
	// figures.
	t.Run("only the metrics run", func(t *testing.T) {
		var r results
		r.Settings.Reps, r.Settings.Queries, r.Settings.IdleN, r.Settings.IdleS = 3, 50, 100, 5
		r.Settings.LogBytes, r.Settings.FloodN, r.Settings.FloodRate, r.Settings.FloodS = 100e6, 10, 1000, 10
		clauses := map[string]string{
			"cli-all":        "50 CLI queries per instance",
			"idle-cpu":       "idle: 100 services, 3 windows of 5 s",
			"log-throughput": "log throughput: 100 MB",
			"flood-cpu":      "flood: 10 services × 1000 lines/s, 10 s",
		}
		settings := func() string {
			r.finish()
			var b strings.Builder
			r.writeMarkdown(&b, []string{superdName})
			for l := range strings.Lines(b.String()) {
				if strings.HasPrefix(l, "Settings:") {
					return l
				}
			}
			t.Fatalf("no settings line:\n%s", b.String())
			return ""
		}
		r.add("rss", superdName, 1, 12)
		line := settings()
		for _, c := range clauses {
			if strings.Contains(line, c) {
				t.Errorf("a run of the memory metrics only: %q names %q", line, c)
			}
		}
		// Each metric brings its own clause, and no other's.
		for _, metric := range []string{"cli-all", "idle-cpu", "log-throughput", "flood-cpu"} {
			r.add(metric, superdName, 1, 1)
			line := settings()
			for m, c := range clauses {
				ran := slices.ContainsFunc(r.Figures, func(f *figure) bool { return f.Metric == m })
				if strings.Contains(line, c) != ran {
					t.Errorf("with %s's figures: %q, %q named: %v, want %v", metric, line, c, !ran, ran)
				}
			}
		}
		// The queries timed during the flood are the CLI queries too.
		r = results{Settings: r.Settings}
		r.add("flood-cli-one", superdName, 1, 1)
		if line := settings(); !strings.Contains(line, clauses["cli-all"]) || !strings.Contains(line, clauses["flood-cpu"]) {
			t.Errorf("a run with the flood's CLI figures only: %q, want the queries and the flood named", line)
		}
	})
}
