// Command embedded shows how a Go program runs the supers supervisor
// in-process: two services defined in Go code, a status query, a read of a
// service's log, a stop.
//
//	go run ./examples/embedded
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

func main() {
	dir, err := os.MkdirTemp("", "supers-embedded-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = run(context.Background(), os.Stdout, dir)
	os.RemoveAll(dir) // before os.Exit, which runs no deferred call
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedded:", err)
		os.Exit(1)
	}
}

// run starts a supervisor with two services whose logs go under logDir,
// prints their status and the first line hello writes, stops one, and
// shuts everything down. Whatever happens, it returns only once Run has
// returned: every service is stopped, and nothing writes to logDir any
// more.
func run(ctx context.Context, out io.Writer, logDir string) (err error) {
	hello := config.New("hello", "/bin/sh", "-c", "echo hello from a supervised child; exec sleep 60")
	hello.Description = "says hello, then sleeps"
	sleeper := config.New("sleeper", "sleep", "60")
	sleeper.Description = "sleeps"
	for _, s := range []*config.Service{hello, sleeper} {
		if err := config.Validate(s); err != nil {
			return err
		}
	}

	sup, err := actors.New(actors.Config{
		Services: []*config.Service{hello, sleeper},
		LogDir:   logDir,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var runErr error
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		runErr = sup.Run(ctx) // until ctx ends: stops every service, then returns
	}()
	// On every return, early ones included: end Run and wait for it, so
	// that no service outlives run.
	defer func() {
		cancel()
		<-ran
		if err == nil {
			err = runErr
		}
	}()
	select {
	case <-sup.Ready():
	case <-ran: // could not start: Ready is never closed
		return runErr
	}

	list, err := sup.List(ctx)
	if err != nil {
		return err
	}
	for _, st := range list {
		fmt.Fprintf(out, "%s %s pid=%d\n", st.Name, st.State, st.PID)
	}

	qctx, qcancel := context.WithTimeout(ctx, 30*time.Second)
	defer qcancel()
	// hello's greeting, through its log stream: followed until it comes
	// (hello may not have written it yet).
	logs, err := sup.Logs(qctx, "hello", transport.LogQuery{Tail: -1, Follow: true})
	if err != nil {
		return err
	}
	line, err := bufio.NewReader(logs).ReadString('\n')
	logs.Close()
	if err != nil {
		return fmt.Errorf("reading hello's log: %w", err)
	}
	fmt.Fprintf(out, "hello said: %s", line)

	st, err := sup.Stop(qctx, "sleeper")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s %s after stop\n", st.Name, st.State)
	return nil // the deferred cancel stops hello, then Run returns
}
