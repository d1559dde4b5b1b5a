//go:build linux && !mips && !mipsle && !mips64 && !mips64le

package process

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// ignoreCLibrarySignals makes the process ignore cLibrarySignals, as a
// launcher that ignores every signal leaves them (the Go runtime leaves
// them as it finds them). It is the "sigign-clib" helper's first step.
func ignoreCLibrarySignals() error {
	for _, sig := range cLibrarySignals {
		if err := rtSigaction(sig, &kernelSigaction{handlerIgn}, nil); err != nil {
			return fmt.Errorf("ignore signal %d: %w", sig, err)
		}
	}
	return nil
}

// superd started ignoring signals 32 and 34 (a launcher that ignores every
// signal): the Go runtime installs no handler for them, not even for
// os/signal (it keeps them for the C library), so every service ignored
// them too. In subreaper mode they are set to their default action.
func TestChildrenIgnoreNoCLibrarySignal(t *testing.T) {
	if mask := childSigIgn(t, exec.Command(os.Args[0], "-test.run=^$"), "sigign-clib"); mask&(1<<31|1<<33) != 0 {
		t.Errorf("SigIgn of a child = %x, want neither signal 32 nor 34 ignored", mask)
	}
}
