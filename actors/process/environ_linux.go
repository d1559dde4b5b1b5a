//go:build linux

package process

import (
	"os"
	"strconv"
	"time"
)

// environWait bounds how long Environ waits for a live process's
// environment to show.
const environWait = 100 * time.Millisecond

// Environ returns the environment of process pid (/proc/PID/environ, NUL
// separated). A process in the middle of an execve shows none for a moment:
// its old memory is gone and the new one not in place (a wrapper shell
// exec'ing its program, as a daemon's script does right after it forked
// away). Read then, a process recognised by a variable would go unnoticed;
// so while it shows none and waiting reports true (the process is alive,
// and may have an environment at all), it is read again, for at most
// 100 ms.
func Environ(pid int, waiting func() bool) ([]byte, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/environ"
	deadline := time.Now().Add(environWait)
	for {
		env, err := os.ReadFile(path)
		if err != nil || len(env) > 0 || time.Now().After(deadline) || !waiting() {
			return env, err
		}
		time.Sleep(time.Millisecond)
	}
}
