//go:build linux

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// The operator's start of a service with AutoStart=no outlives superd: a
// restart of superd, after its crash or a clean stop (an upgrade), starts
// the service again, as long as the operator wants it running (no stop
// since) and it has not ended for good (a one-shot that finished).

// jobService is a service superd does not start on its own.
const jobService = "[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n"

// restartAfterTerm stops superd with SIGTERM, as an upgrade does, and
// starts a new one on the same directories and socket.
func (d *daemon) restartAfterTerm() *daemon {
	d.t.Helper()
	if err := d.terminate(); err != nil {
		d.t.Fatalf("superd's exit: %v\n%s", err, d.stderr.String())
	}
	next := &daemon{t: d.t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	return next.start()
}

// startedInStateFile returns the services the state file records as
// started by the operator.
func (d *daemon) startedInStateFile() []string {
	d.t.Helper()
	b, err := os.ReadFile(d.socket + ".state")
	if err != nil {
		d.t.Fatal(err)
	}
	var st struct {
		Started []string `json:"started"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		d.t.Fatalf("state file: %v\n%s", err, b)
	}
	return st.Started
}

// TestOperatorStartSurvivesSuperdKill: superd is SIGKILLed right after it
// answered the start (its children die with it); the next superd starts
// the service again.
func TestOperatorStartSurvivesSuperdKill(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"job.service": jobService}).start()
	if st := d.status("job"); st.State != "stopped" {
		t.Fatalf("job before its start: %s, want stopped (AutoStart=no)", st.State)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	first, err := d.client.Start(ctx, "job")
	if err != nil {
		t.Fatalf("start job: %v", err)
	}
	d.track(first.PID)
	// At once: the answer came once the state file held the start.
	next := d.restartAfterKill()
	st := next.waitRunning("job")
	if st.PID == first.PID {
		t.Fatalf("job runs pid %d, the one of the killed superd", st.PID)
	}
	waitFor(t, 10*time.Second, "the first process of job to be gone", func() bool { return !alive(first.PID) })
}

// TestOperatorStartSurvivesSuperdRestart: the same across a clean stop of
// superd (SIGTERM), which stops the service, but as superd's own stop, not
// the operator's.
func TestOperatorStartSurvivesSuperdRestart(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"job.service": jobService, "other.service": jobService}).start()
	d.mustCLI("start", "job")
	first := d.waitRunning("job")
	next := d.restartAfterTerm()
	st := next.waitRunning("job")
	if st.PID == first.PID {
		t.Fatalf("job runs pid %d, the one before the restart", st.PID)
	}
	if st := next.status("other"); st.State != "stopped" {
		t.Fatalf("other (AutoStart=no, never started) after superd's restart: %s, want stopped", st.State)
	}
	// And again: the start is still recorded by the superd that started
	// the service from it.
	again := next.restartAfterTerm()
	if st2 := again.waitRunning("job"); st2.PID == st.PID {
		t.Fatalf("job runs pid %d after the second restart, the one before it", st2.PID)
	}
}

// TestOperatorStopEndsTheStart: started, then stopped: the stop wins, the
// service is not started by the next superd, nor by the one after it.
func TestOperatorStopEndsTheStart(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"job.service": jobService}).start()
	d.mustCLI("start", "job")
	d.waitRunning("job")
	d.mustCLI("stop", "job")
	killed := d.restartAfterKill()
	if st := killed.status("job"); st.State != "stopped" {
		t.Fatalf("job after start, stop and superd's SIGKILL: %s, want stopped", st.State)
	}
	again := killed.restartAfterTerm()
	if st := again.status("job"); st.State != "stopped" {
		t.Fatalf("job after another restart of superd: %s, want stopped", st.State)
	}
}

// TestFinishedOneShotIsNotRunAgain: a job that ran to its end (Restart=no,
// exit 0) is done: a restart of superd does not run it again, whether it
// stops cleanly or is killed once the state file has it no longer.
func TestFinishedOneShotIsNotRunAgain(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"term", "kill"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			d := newDaemon(t, map[string]string{
				"once.service": "[Service]\nExecStart=/bin/echo ran\nAutoStart=no\nRestart=no\n",
			}).start()
			d.mustCLI("start", "once")
			waitFor(t, 10*time.Second, "once to exit", func() bool { return d.status("once").State == "exited" })
			var next *daemon
			if how == "kill" {
				waitFor(t, 10*time.Second, "the state file to forget the start of once", func() bool {
					return !slices.Contains(d.startedInStateFile(), "once")
				})
				next = d.restartAfterKill()
			} else {
				next = d.restartAfterTerm()
			}
			if st := next.status("once"); st.State != "stopped" {
				t.Fatalf("once after its end and superd's restart: %s, want stopped", st.State)
			}
			out, err := os.ReadFile(filepath.Join(d.logDir, "once", "stdout.log"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(out), "ran"); n != 1 {
				t.Fatalf("once ran %d times, want 1:\n%s", n, out)
			}
		})
	}
}

// TestFailedOneShotIsNotRunAgain: the same for a job that failed and whose
// Restart= does not retry it.
func TestFailedOneShotIsNotRunAgain(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"fail.service": "[Service]\nExecStart=/bin/sh -c 'echo ran; exit 3'\nAutoStart=no\nRestart=no\n",
	}).start()
	d.mustCLI("start", "fail")
	waitFor(t, 10*time.Second, "fail to exit", func() bool { return d.status("fail").State == "exited" })
	next := d.restartAfterTerm()
	if st := next.status("fail"); st.State != "stopped" {
		t.Fatalf("fail after its end and superd's restart: %s, want stopped", st.State)
	}
}

// TestStartedRecordFollowsReload: a removed service's start goes with it
// (a service defined again under the name is a new one); one that now has
// AutoStart=yes starts as such, without a record.
func TestStartedRecordFollowsReload(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"gone.service": jobService, "auto.service": jobService}).start()
	for _, name := range []string{"gone", "auto"} {
		d.mustCLI("start", name)
		d.waitRunning(name)
	}
	if got := d.startedInStateFile(); !slices.Equal(got, []string{"auto", "gone"}) {
		t.Fatalf("started in the state file: %v, want [auto gone]", got)
	}
	if err := os.Remove(filepath.Join(d.dir, "gone.service")); err != nil {
		t.Fatal(err)
	}
	d.writeFile("auto.service", "[Service]\nExecStart=/bin/sleep 1001\n")
	d.mustCLI("reload")
	d.waitRunning("auto")
	waitFor(t, 10*time.Second, "the state file to forget both starts", func() bool {
		return len(d.startedInStateFile()) == 0
	})
	d.writeFile("gone.service", jobService)
	d.mustCLI("reload")
	if st := d.status("gone"); st.State != "stopped" {
		t.Fatalf("gone defined again: %s, want stopped (AutoStart=no)", st.State)
	}
	next := d.restartAfterKill()
	next.waitRunning("auto")
	if st := next.status("gone"); st.State != "stopped" {
		t.Fatalf("gone after superd's restart: %s, want stopped", st.State)
	}
}

// TestStartOfServiceRemovedWhileSuperdWasDownIsForgotten: a start recorded
// for a service whose file was removed while no superd ran is forgotten by
// the next superd, so that a service defined later under that name does
// not start.
func TestStartOfServiceRemovedWhileSuperdWasDownIsForgotten(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"job.service": jobService}).start()
	d.mustCLI("start", "job")
	d.waitRunning("job")
	if err := d.terminate(); err != nil {
		t.Fatalf("superd's exit: %v\n%s", err, d.stderr.String())
	}
	if err := os.Remove(filepath.Join(d.dir, "job.service")); err != nil {
		t.Fatal(err)
	}
	next := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	next.start()
	if got := next.startedInStateFile(); len(got) != 0 {
		t.Fatalf("started in the state file: %v, want none", got)
	}
	next.writeFile("job.service", jobService)
	next.mustCLI("reload")
	if st := next.status("job"); st.State != "stopped" {
		t.Fatalf("job defined again: %s, want stopped", st.State)
	}
}

// TestOperatorStartOfServiceLoadedOnDemandSurvivesSuperdKill: a service
// superd did not know, loaded by "supers start NAME" (AutoStart=no), is
// started again by the next superd, as one it knew is: the start is on
// disk before the answer on that path too.
func TestOperatorStartOfServiceLoadedOnDemandSurvivesSuperdKill(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil).start()
	d.writeFile("new.service", jobService)
	d.mustCLI("start", "new")
	first := d.waitRunning("new")
	next := d.restartAfterKill()
	if st := next.waitRunning("new"); st.PID == first.PID {
		t.Fatalf("new runs pid %d, the one of the killed superd", st.PID)
	}
}

// TestOneShotThatCannotBeExecutedIsNotStartedAgain: a start whose program
// cannot be executed, under a Restart= that does not try again, ends the
// operator's start (exec-failed): the next superd, killed right after the
// answer, does not try it again.
func TestOneShotThatCannotBeExecutedIsNotStartedAgain(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"gone.service": "[Service]\nExecStart=/nonexistent/program\nAutoStart=no\nRestart=no\n",
	}).start()
	if _, errs, code := d.cli("start", "gone"); code == 0 || !strings.Contains(errs, "nonexistent") {
		t.Fatalf("supers start gone: exit %d: %s; want the exec failure", code, errs)
	}
	if st := d.status("gone"); st.State != "exec-failed" {
		t.Fatalf("gone after its start: %s, want exec-failed", st.State)
	}
	next := d.restartAfterKill()
	if st := next.status("gone"); st.State != "stopped" {
		t.Fatalf("gone after superd's restart: %s (%s), want stopped", st.State, st.Error)
	}
}

// TestRacingStartsAndStopsSurviveSuperdKill: whichever of concurrent
// starts, stops and restarts of a service with AutoStart=no comes last,
// the state file holds it once they are answered: a superd killed then is
// followed by one that runs the service if and only if it ran.
func TestRacingStartsAndStopsSurviveSuperdKill(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"job.service": jobService}).start()
	for round := range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var wg sync.WaitGroup
		for _, op := range []func(context.Context, string) (transport.ServiceStatus, error){
			d.client.Start, d.client.Stop, d.client.Restart, d.client.Stop, d.client.Start,
		} {
			wg.Go(func() {
				// A conflict (stopped or started again by a later
				// request) is an answer too.
				if st, err := op(ctx, "job"); err == nil && st.PID != 0 {
					d.track(st.PID)
				}
			})
		}
		wg.Wait()
		cancel()
		before := d.status("job")
		if before.State != "running" && before.State != "stopped" {
			t.Fatalf("round %d: job once every command is answered: %s", round, before.State)
		}
		d = d.restartAfterKill()
		want := before.State
		if want == "running" {
			d.waitRunning("job")
		} else if st := d.status("job"); st.State != want {
			t.Fatalf("round %d: job after superd's restart: %s, want %s as before", round, st.State, want)
		}
	}
}

// TestAutoStartTurnedOffIsNoStart: a running service whose file a reload
// changes to AutoStart=no keeps running, but that is no operator's start:
// the next superd leaves it stopped. One the operator started keeps its
// start through a reload that changes its file.
func TestAutoStartTurnedOffIsNoStart(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"auto.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"job.service":  jobService,
	}).start()
	d.mustCLI("start", "job")
	d.waitRunning("auto")
	d.waitRunning("job")
	d.writeFile("auto.service", "[Service]\nExecStart=/bin/sleep 1001\nAutoStart=no\n")
	d.writeFile("job.service", "[Service]\nExecStart=/bin/sleep 1001\nAutoStart=no\n")
	d.mustCLI("reload")
	d.waitRunning("auto")
	d.waitRunning("job")
	if got := d.startedInStateFile(); !slices.Equal(got, []string{"job"}) {
		t.Fatalf("started in the state file: %v, want [job]", got)
	}
	next := d.restartAfterTerm()
	next.waitRunning("job")
	if st := next.status("auto"); st.State != "stopped" {
		t.Fatalf("auto after superd's restart: %s, want stopped (AutoStart=no, never started by the operator)", st.State)
	}
	if strings.Contains(next.stderr.String(), "started by the operator before superd restarted\" service=auto") {
		t.Fatalf("superd says the operator started auto:\n%s", next.stderr.String())
	}
}
