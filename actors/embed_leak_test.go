//go:build linux

package actors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// openFDs lists the descriptors of this process, with what they point to.
func openFDs(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	fds := make(map[string]string, len(entries))
	for _, e := range entries {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		fds[e.Name()] = target
	}
	return fds
}

// ourChildren lists the live children of this process.
func ourChildren(t *testing.T) []string {
	t.Helper()
	var out []string
	entries, _ := os.ReadDir("/proc")
	self := fmt.Sprint(os.Getpid())
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+2:])
		if len(f) > 1 && f[1] == self && f[0] != "Z" {
			out = append(out, e.Name()+" "+s[:i+1])
		}
	}
	return out
}

// Running a supervisor many times in one process, with every feature an
// embedding program may use (a socket, the HTTP API, a state file, a
// config dir, followers of logs and events), leaves no goroutine, no
// descriptor and no child process behind.
func TestEmbedRunManyTimesLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 50 supervisors")
	}
	dir := t.TempDir()
	confDir := filepath.Join(dir, "etc")
	if err := os.Mkdir(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "file.service"), []byte("[Service]\nExecStart=/bin/sh -c 'echo up; exec sleep 600'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(i int) {
		sock := filepath.Join(dir, "s.sock")
		web := config.New("web", "/bin/sh", "-c", "echo hi; exec sleep 600")
		sup, err := actors.New(actors.Config{
			ConfigDir: confDir,
			LogDir:    filepath.Join(dir, "logs"),
			Socket:    sock,
			StateFile: filepath.Join(dir, "state"),
			Watch:     true,
			Services:  []*config.Service{web},
			HTTP:      actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: filepath.Join(dir, "token")},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ran := make(chan error, 1)
		go func() { ran <- sup.Run(ctx) }()
		select {
		case <-sup.Ready():
		case err := <-ran:
			t.Fatalf("run %d: %v", i, err)
		}
		client := transport.NewClient(sock)
		rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer rcancel()
		if _, err := client.Restart(rctx, "file"); err != nil {
			t.Fatalf("run %d: restart: %v", i, err)
		}
		r, err := sup.Logs(rctx, "web", transport.LogQuery{Follow: true})
		if err != nil {
			t.Fatalf("run %d: logs: %v", i, err)
		}
		defer r.Close()
		stream, err := sup.Events(rctx, "", true)
		if err != nil {
			t.Fatalf("run %d: events: %v", i, err)
		}
		follow := make(chan error, 1)
		connected := make(chan struct{})
		go func() {
			first := true
			follow <- client.Events(rctx, "", true, func(notify.Event) error {
				if first {
					close(connected)
					first = false
				}
				return nil
			})
		}()
		select {
		case <-connected:
		case err := <-follow:
			t.Fatalf("run %d: client events: %v", i, err)
		}
		cancel()
		for range stream.Live {
		}
		waitRun(t, ran)
		if err := <-follow; err != nil {
			t.Fatalf("run %d: client events: %v", i, err)
		}
	}
	run(0) // the process-wide things made once (the spawner thread, caches)
	g0, fd0 := settledGoroutines(), openFDs(t)
	for i := 1; i <= 50; i++ {
		run(i)
	}
	var g1 int
	deadline := time.Now().Add(20 * time.Second)
	for g1 = settledGoroutines(); g1 > g0 && time.Now().Before(deadline); g1 = settledGoroutines() {
	}
	if g1 > g0 {
		var b strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("goroutines: %d before, %d after 50 runs\n%s", g0, g1, b.String())
	}
	fd1 := openFDs(t)
	for fd, target := range fd1 {
		if _, ok := fd0[fd]; !ok {
			t.Errorf("descriptor %s (%s) left open", fd, target)
		}
	}
	if kids := ourChildren(t); len(kids) > 0 {
		t.Errorf("children left: %v", kids)
	}
}
