//go:build linux

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An apply and an rm given while superd stops what a crashed superd
// left, whose clients stop waiting (--timeout), are carried out once
// superd is ready, as starts and stops are, and as supers tells them
// ("commands carried out, once they are gone"). They were dropped: the
// new service never defined, the removed one still there and running.
func TestGivenUpApplyAndRmDuringLeftoversAreCarriedOut(t *testing.T) {
	t.Parallel()
	p := startLeftoversPhase(t, map[string]string{"web": ""})
	src := filepath.Join(t.TempDir(), "newjob.service")
	if err := os.WriteFile(src, []byte(ranService(p.dir, "newjob", "")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"apply", src}, {"rm", "web"}} {
		_, stderr, code := p.cli(append([]string{"--timeout", "1s"}, args...)...)
		if code == 0 || !strings.Contains(stderr, "not done within 1s: superd is starting") || !strings.Contains(stderr, "commands carried out, once they are gone") {
			t.Fatalf("supers --timeout 1s %s while superd stops leftovers: exit %d, %q; want not done, to be carried out", strings.Join(args, " "), code, stderr)
		}
	}
	p.end()
	p.waitRunning("newjob")
	waitFor(t, 10*time.Second, "web.service removed", func() bool {
		_, err := os.Stat(filepath.Join(p.dir, "web.service"))
		return errors.Is(err, os.ErrNotExist)
	})
	if _, stderr, code := p.cli("status", "web"); code == 0 || !strings.Contains(stderr, "web") {
		t.Errorf("supers status web after its rm: exit %d, %q; want an unknown service", code, stderr)
	}
}
