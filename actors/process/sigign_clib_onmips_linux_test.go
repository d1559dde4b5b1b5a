//go:build linux && (mips || mipsle || mips64 || mips64le)

package process

import "errors"

// ignoreCLibrarySignals is not needed on MIPS, where superd does not reset
// those signals (see sigdfl_other.go); the test that uses it is not built.
func ignoreCLibrarySignals() error {
	return errors.New("not implemented on MIPS")
}
