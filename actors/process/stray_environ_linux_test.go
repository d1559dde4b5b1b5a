//go:build linux

package process

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// belongs tells a process by its environment when it can read it; when
// the read does not answer (a process stuck in the kernel holding its
// memory-map lock, simulated here), it reads no more (no retry while the
// environment looks empty) and finds the process by its pipes, or not at
// all.
func TestBelongsWithoutAnAnswerFromTheEnvironment(t *testing.T) {
	m := newManager(t, Options{Logger: discardLogger()})
	const entry = "STRAY_TEST_MARK=svc"
	_, w := pipe(t)
	p := start(t, m, Spec{Argv: []string{"/bin/sleep", "1000"}, Env: append(os.Environ(), entry), Stdout: w})
	pipes := []uint64{PipeID(w)}
	w.Close()
	fd, err := unix.PidfdOpen(p.PID, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)

	if !belongs(p.PID, fd, []byte(entry), nil, readEnvironFile) {
		t.Fatal("the process is not told by its marker: the test's premise fails")
	}
	var reads atomic.Int32
	hung := func(int) ([]byte, error) {
		reads.Add(1)
		return nil, ErrNoAnswer
	}
	if belongs(p.PID, fd, []byte(entry), nil, hung) {
		t.Error("a process whose environment did not answer was taken for the service's, without its pipes")
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("the environment was read %d times, want once: no retry after no answer", n)
	}
	if !belongs(p.PID, fd, []byte(entry), pipes, hung) {
		t.Error("a process whose environment did not answer was not found by the service's pipe it holds")
	}
}

// A read of an environment that does not answer within the probes' wait
// reports ErrNoAnswer, and so does the next one at once, without a second
// read, until the first returns.
func TestProbesReadBoundsAHungRead(t *testing.T) {
	p := &probes{wait: 50 * time.Millisecond, hung: make(map[string]chan struct{})}
	release := make(chan struct{})
	var reads atomic.Int32
	read := func() ([]byte, error) {
		reads.Add(1)
		<-release
		return []byte("A=1\x00"), nil
	}
	if _, err := p.read("environ 1", read); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("a read that hangs: err %v, want ErrNoAnswer", err)
	}
	p.wait = 10 * time.Second // read by p.read in this goroutine only
	if _, err := p.read("environ 1", read); !errors.Is(err, ErrNoAnswer) || reads.Load() != 1 {
		t.Errorf("a read of the hung key: err %v and %d reads, want ErrNoAnswer at once and 1 read", err, reads.Load())
	}
	close(release)
	waitFor(t, "the hung read to end", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		_, hung := p.hung["environ 1"]
		return !hung
	})
	if b, err := p.read("environ 1", read); err != nil || string(b) != "A=1\x00" {
		t.Errorf("a read once the first ended: %q, %v", b, err)
	}
}

// An EnvironProbe reads a process's environment as Environ does, and
// gives up at once on a process whose earlier read still hangs (as
// probes.read does, which TestProbesReadBoundsAHungRead bounds), so that
// KillStale's scan of every process skips it instead of waiting for it.
func TestEnvironProbeSkipsAHungProcess(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "607")
	cmd.Env = []string{"SUPERS_ENVIRON_PROBE=1"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	e := NewEnvironProbe()
	waiting := func() bool { return true }
	waitFor(t, "the child's environment", func() bool {
		env, err := e.Environ(cmd.Process.Pid, waiting)
		return err == nil && string(env) == "SUPERS_ENVIRON_PROBE=1\x00"
	})
	// As if a read of it had hung for longer than the probe waits.
	hung := make(chan struct{})
	e.p.mu.Lock()
	e.p.hung["environ "+strconv.Itoa(cmd.Process.Pid)] = hung
	e.p.mu.Unlock()
	if env, err := e.Environ(cmd.Process.Pid, waiting); !errors.Is(err, ErrNoAnswer) {
		t.Errorf("a process whose read hangs: %q, %v; want ErrNoAnswer", env, err)
	}
}
