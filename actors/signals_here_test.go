package actors

import (
	"strconv"
	"testing"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
)

// config.CheckSignalHere, which refuses a KillSignal= or a supers signal
// this system does not have, agrees with what the process package can
// send here, for every signal a service file may name.
func TestSignalsHereAgreeWithTheProcessPackage(t *testing.T) {
	for n := 1; n <= 64; n++ {
		canon, err := config.NormalizeSignal(strconv.Itoa(n))
		if err != nil {
			continue // 32, 33: the C library's own
		}
		_, sendErr := process.SignalNumber(canon)
		if here := config.CheckSignalHere(canon); (here == nil) != (sendErr == nil) {
			t.Errorf("%s: CheckSignalHere = %v, but process.SignalNumber = %v", canon, here, sendErr)
		}
	}
}
