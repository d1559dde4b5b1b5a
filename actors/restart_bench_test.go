//go:build linux

package actors_test

import (
	"context"
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
// It reports the median and the 90th percentile in ms.
func BenchmarkRestartLatency(b *testing.B) {
	svc := config.New("sleeper", "/bin/sleep", "1000")
	svc.Restart.Mode = config.RestartAlways
	svc.Restart.Delay = 0
	svc.Restart.StableAfter = 0
	svc.Restart.StartLimitInterval = 0
	if err := config.Validate(svc); err != nil {
		b.Fatal(err)
	}
	sup, err := actors.New(actors.Config{Services: []*config.Service{svc}, LogDir: b.TempDir()})
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

	running := func(not int) int {
		for {
			st, err := sup.Status(ctx, "sleeper")
			if err != nil {
				b.Fatal(err)
			}
			if st.State == actors.StateRunning && st.PID != 0 && st.PID != not {
				return st.PID
			}
			// Poll gently: a busy loop would steal the CPU the restart needs.
			time.Sleep(20 * time.Microsecond)
		}
	}
	pid := running(0)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		time.Sleep(150 * time.Millisecond) // let the run count as stable
		b.StartTimer()
		t0 := time.Now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			b.Fatal(err)
		}
		pid = running(pid)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
}
