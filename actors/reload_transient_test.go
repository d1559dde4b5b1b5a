//go:build linux

package actors

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// A service that a reload replaces (its definition changed) is never
// shown stopped on its way from the old process to the new one: once the
// old process was gone, the entry showed the old actor's "stopped" until
// its end was handled, and the new entry was made "stopped" before its
// actor started it, so that `supers reload && supers status --all` failed
// now and then on a healthy service.
func TestReloadedServiceIsNeverShownStopped(t *testing.T) {
	l := lcRun(t, map[string]string{"x.service": "[Service]\nExecStart=/bin/sleep 1000\n"})
	old := l.waitState("x", transport.StateRunning).PID
	ctx := context.Background()
	for i := range 20 {
		body := fmt.Sprintf("[Service]\nExecStart=/bin/sleep %d\n", 2000+i)
		if err := os.WriteFile(filepath.Join(l.dir, "x.service"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := l.sup.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		var seen []string
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, err := l.sup.Status(ctx, "x")
			if err != nil {
				t.Fatalf("reload %d: status: %v (states seen %v)", i, err, seen)
			}
			if len(seen) == 0 || seen[len(seen)-1] != st.State {
				seen = append(seen, st.State)
			}
			if st.State == transport.StateStopped {
				t.Fatalf("reload %d: shown stopped on its way to the new definition (states seen %v)", i, seen)
			}
			if st.State == transport.StateRunning && st.PID != old {
				old = st.PID
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("reload %d: the new process did not come (states seen %v)", i, seen)
			}
		}
	}
}
