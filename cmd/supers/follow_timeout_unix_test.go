//go:build unix

package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// frozenSocket listens on a Unix socket and accepts connections without
// ever answering, as a superd stopped with SIGSTOP (or anything else
// listening there) would.
func frozenSocket(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "frozen.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return path
}

// TestFollowTimesOutWithoutAnswer: logs -f and events -f against a superd
// that never answers give up after --timeout, as every other command does,
// instead of waiting forever.
func TestFollowTimesOutWithoutAnswer(t *testing.T) {
	socket := frozenSocket(t)
	for _, args := range [][]string{{"logs", "-f", "web"}, {"events", "-f"}} {
		t.Run(args[0], func(t *testing.T) {
			stdout, stderr := &syncBuffer{}, &syncBuffer{}
			code := make(chan int, 1)
			argv := append([]string{"--socket", socket, "--timeout", "200ms"}, args...)
			go func() {
				code <- run(context.Background(), argv, nil, stdout, stderr, func(string) string { return "" })
			}()
			if c := waitCode(t, code); c != exitError || !strings.Contains(stderr.String(), "no answer from superd") {
				t.Errorf("code %d, stderr %q, stdout %q", c, stderr.String(), stdout.String())
			}
		})
	}
}
