//go:build linux

package main

import "fmt"

// target is one of superd's targets (issue #7) and whether the run met it.
type target struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      *bool  `json:"met"` // nil: not measured in this run
}

func (t target) verdict() string {
	switch {
	case t.Met == nil:
		return "not measured"
	case *t.Met:
		return "yes"
	}
	return "**no**"
}

// Names of the reference rows.
const (
	superdName = "superd"
	loopName   = "bare loop"
	directName = "direct to file"
)

// targetN is the size the memory, start-up and CLI targets are set for.
const targetN = 1000

// checkTargets compares superd's figures with its targets.
func (r *results) checkTargets(idleN int) {
	check := func(name string, f *figure, ok func(*figure) bool, measured func(*figure) string) {
		t := target{Target: name, Measured: "–"}
		if f != nil {
			met := ok(f)
			t.Met, t.Measured = &met, measured(f)
		}
		r.Targets = append(r.Targets, t)
	}
	// against is check for a target set against ref, another row: not
	// judged (Met nil, "not measured") when ref was not measured.
	against := func(name string, f, ref *figure, ok func(f, ref *figure) bool, measured func(f, ref *figure) string) {
		t := target{Target: name, Measured: "–"}
		switch {
		case f != nil && ref == nil:
			t.Measured = measured(f, nil)
		case f != nil:
			met := ok(f, ref)
			t.Met, t.Measured = &met, measured(f, ref)
		}
		r.Targets = append(r.Targets, t)
	}
	plain := func(unit string) func(*figure) string {
		return func(f *figure) string { return num(f.Median) + " " + unit }
	}
	check("restart ≤ 1.5 ms (median)", r.get("restart", superdName, 1),
		func(f *figure) bool { return f.Median <= 1.5 },
		func(f *figure) string {
			s := num(f.Median) + " ms"
			if l := r.get("restart", loopName, 1); l != nil {
				s += fmt.Sprintf(" (bare loop %s ms: ×%s)", num(l.Median), num(f.Median/l.Median))
			}
			return s
		})
	check(fmt.Sprintf("memory, %d logged services: RSS ≤ 20 MiB", targetN), r.get("rss", superdName, targetN),
		func(f *figure) bool { return f.Median <= 20 }, plain("MiB"))
	check(fmt.Sprintf("memory, %d logged services: ≤ 20 OS threads", targetN), r.get("threads", superdName, targetN),
		func(f *figure) bool { return f.Max <= 20 },
		func(f *figure) string { return num(f.Max) + " threads at most" }) // judged on every run, not the median
	check(fmt.Sprintf("start-up of %d services ≤ 1.5 s", targetN), r.get("startup", superdName, targetN),
		func(f *figure) bool { return f.Median <= 1.5 }, plain("s"))
	check(fmt.Sprintf("CLI status of all %d ≤ 10 ms", targetN), r.get("cli-all", superdName, targetN),
		func(f *figure) bool { return f.Median <= 10 }, withFloor(r, "cli-all"))
	check(fmt.Sprintf("CLI status of one (of %d) ≤ 2 ms", targetN), r.get("cli-one", superdName, targetN),
		func(f *figure) bool { return f.Median <= 2 }, withFloor(r, "cli-one"))
	check(fmt.Sprintf("idle CPU (%d services) ≤ 0.001 %%", idleN), r.get("idle-cpu", superdName, idleN),
		func(f *figure) bool { return f.Median <= 0.001 }, plain("%"))
	throughput := r.get("log-throughput", superdName, 1)
	against("log throughput ≥ supervisord's", throughput, r.get("log-throughput", "supervisord", 1),
		func(f, sv *figure) bool { return f.Median >= sv.Median },
		func(f, sv *figure) string {
			if sv == nil {
				return num(f.Median) + " MB/s (supervisord not measured)"
			}
			return fmt.Sprintf("%s MB/s vs %s MB/s", num(f.Median), num(sv.Median))
		})
	against("log throughput ≥ 0.8 × bare pipe", throughput, r.get("log-throughput", loopName, 1),
		func(f, lp *figure) bool { return f.Median >= 0.8*lp.Median },
		func(f, lp *figure) string {
			if lp == nil {
				return num(f.Median) + " MB/s (bare loop not measured)"
			}
			return fmt.Sprintf("%s MB/s = %s × %s MB/s", num(f.Median), num(f.Median/lp.Median), num(lp.Median))
		})
}

// withFloor formats a CLI latency with the cost of running /bin/true at
// the same size.
func withFloor(r *results, metric string) func(*figure) string {
	return func(f *figure) string {
		s := num(f.Median) + " ms"
		fl, gfl := r.get(metric, floorName, f.N), r.get(metric, goFloorName, f.N)
		if fl != nil && gfl != nil {
			s += fmt.Sprintf(" (floors: /bin/true %s ms, Go no-op %s ms)", num(fl.Median), num(gfl.Median))
		}
		return s
	}
}
