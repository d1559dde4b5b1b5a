//go:build linux

package actors_test

import (
	"context"
	"log/slog"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// BenchmarkRestartLatency measures the time from SIGKILL of a service's
// process to the supervisor reporting a new running process (Start returns
// only after the new program has been exec'd), with Restart=always and
// RestartSec=0. Each iteration waits until the new process has run for
// 150 ms (untimed) so that every kill starts a fresh streak: within a
// streak, the second restart is held back by the 100 ms floor on purpose.
//
// It reports the median and the 90th percentile in ms, and the median of a
// bare Go kill/wait/fork/exec loop measured in the same iterations (the
// physical limit on this machine) with the ratio between the two.
func BenchmarkRestartLatency(b *testing.B) {
	svc := config.New("sleeper", "/bin/sleep", "1000")
	svc.Restart.Mode = config.RestartAlways
	svc.Restart.Delay = 0
	svc.Restart.StableAfter = 0
	svc.Restart.StartLimitInterval = 0
	if err := config.Validate(svc); err != nil {
		b.Fatal(err)
	}
	started := make(chan startNote, 16)
	sup, err := actors.New(actors.Config{
		Services: []*config.Service{svc},
		LogDir:   b.TempDir(),
		Logger:   slog.New(&startHook{started: started}),
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sup.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	<-sup.Ready()

	// The supervisor logs "process started" once the new program has been
	// exec'd; the hook turns that line into a channel send, so the
	// benchmark waits without polling (a polling loop would compete for
	// the CPU the restart needs).
	running := func() startNote {
		select {
		case n := <-started:
			return n
		case <-time.After(10 * time.Second):
			b.Fatal("no restart within 10 s")
			return startNote{}
		}
	}
	pid := running().pid

	// The physical limit, measured in the same run, interleaved so that
	// machine drift cancels in the ratio: a bare Go loop that kills a
	// child, waits for it and starts the next one.
	bare := exec.Command("/bin/sleep", "1000")
	bare.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := bare.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = bare.Process.Kill()
		_ = bare.Wait()
	}()

	lat := make([]time.Duration, 0, b.N)
	base := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		time.Sleep(150 * time.Millisecond) // let the run count as stable
		t0 := time.Now()
		_ = bare.Process.Kill()
		_ = bare.Wait()
		bare = exec.Command("/bin/sleep", "1000")
		bare.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := bare.Start(); err != nil {
			b.Fatal(err)
		}
		base = append(base, time.Since(t0))
		// The fresh sleep is still loading (dynamic linking, locale): let
		// it settle so that it does not take a CPU from the restart
		// measured next.
		time.Sleep(50 * time.Millisecond)
		b.StartTimer()

		t0 = time.Now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			b.Fatal(err)
		}
		n := running()
		pid = n.pid
		// Stamped by the log hook when the record was written, not when
		// this goroutine got to read it.
		lat = append(lat, n.at.Sub(t0))
	}
	b.StopTimer()
	med, bmed := median(lat), median(base)
	b.ReportMetric(ms(med), "median-ms")
	b.ReportMetric(ms(percentile(lat, 90)), "p90-ms")
	b.ReportMetric(ms(bmed), "bare-median-ms")
	b.ReportMetric(float64(med)/float64(bmed), "x-bare")
}

func median(d []time.Duration) time.Duration { return percentile(d, 50) }

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)*p/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// startNote is a "process started" record: the pid and when the record
// was handled.
type startNote struct {
	pid int
	at  time.Time
}

// startHook is a slog.Handler that reports the pid of every "process
// started" record, with the time it saw it.
type startHook struct {
	started chan<- startNote
	attrs   []slog.Attr
}

func (h *startHook) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *startHook) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "process started" {
		return nil
	}
	at := time.Now()
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "pid" {
			h.started <- startNote{pid: int(a.Value.Int64()), at: at}
			return false
		}
		return true
	})
	return nil
}

func (h *startHook) WithAttrs(as []slog.Attr) slog.Handler {
	return &startHook{started: h.started, attrs: append(slices.Clone(h.attrs), as...)}
}

func (h *startHook) WithGroup(string) slog.Handler { return h }
