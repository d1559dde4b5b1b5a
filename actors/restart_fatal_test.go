package actors

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/config"
)

// A service that gave up after its process kept exiting says how the last
// one ended, as one whose starts failed says why: "fatal (start limit 2 in
// 10m0s hit)" left the operator without the exit code (the table shows
// the error instead of the last exit), while the fatal event had it.
func TestFatalAfterExitsSaysHowTheLastEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(nil)
		h := newHarness(t, procs, service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.StartLimitBurst = 2
		}))
		p := h.nextStart(time.Second)
		p = h.restartAfter(h.crash(p, 3), time.Second)
		h.crash(p, 3)
		st := h.wantState(StateFatal, 0)
		if !strings.Contains(st.Error, "start limit 2") || !strings.Contains(st.Error, "exit code 3") {
			t.Fatalf("fatal error %q does not give both the start limit and the last exit", st.Error)
		}
		if st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 3 {
			t.Fatalf("last exit %v, want exit 3", st.LastExit)
		}
	})
}
