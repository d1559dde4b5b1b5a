//go:build linux

package runstate

import (
	"os/exec"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/process"
)

// A process left by a previous superd that is in the middle of an execve
// (a wrapper shell exec'ing its program) shows no environment for a
// moment: markedEnviron still finds its marker, instead of KillStale's
// scan missing it.
func TestMarkedEnvironThroughExec(t *testing.T) {
	const id = "exec-test"
	for range 20 {
		cmd := exec.Command("/bin/sh", "-c", `exec /bin/sh -c 'exec /bin/sh -c "exec /bin/sh -c \"exec /bin/sleep 1000\""'`)
		cmd.Env = []string{MarkerEnv + "=" + markerValue(id, "web")}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		seen, misses := false, 0
		// Read for 100 ms, and on until it was seen once (a busy
		// machine may run this loop late): the process is killed only
		// after, so that it is never a zombie while being read.
		began := time.Now()
		for time.Since(began) < 100*time.Millisecond || !seen && time.Since(began) < 10*time.Second {
			service, ok, _ := markedEnviron(process.NewEnvironProbe(), pid, []string{id})
			switch {
			case ok && service == "web":
				seen = true
			case seen:
				misses++
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if !seen {
			t.Fatal("the marked process was never recognised")
		}
		if misses > 0 {
			t.Fatalf("the marked process was not recognised %d times while it exec'd", misses)
		}
	}
}
