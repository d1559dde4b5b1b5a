//go:build unix && !linux

package process

import (
	"errors"
	"os"
)

// subreaperSupported tells whether setSubreaper has an effect.
const subreaperSupported = false

// setSubreaper does nothing: orphans go to init on this platform.
func setSubreaper(bool) error { return nil }

// closeRangeCloexec is not available: markInheritedCloseOnExec falls back
// to listing /dev/fd.
func closeRangeCloexec() error { return errors.ErrUnsupported }

// onMainThread reports false: the parent-death signal, where there is one,
// does not follow a thread on this platform.
func onMainThread() bool { return false }

// ignoredAtStart lists nothing: without /proc, the dispositions are not
// known.
func ignoredAtStart() []os.Signal { return nil }
