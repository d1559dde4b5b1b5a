// Command embedded shows how a Go program runs the supers supervisor
// in-process: two services defined in Go code, a status query, a stop.
//
//	go run ./examples/embedded
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

func main() {
	dir, err := os.MkdirTemp("", "supers-embedded-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), os.Stdout, dir); err != nil {
		fmt.Fprintln(os.Stderr, "embedded:", err)
		os.Exit(1)
	}
}

// run starts a supervisor with two services whose logs go under logDir,
// prints their status, stops one, and shuts everything down.
func run(ctx context.Context, out io.Writer, logDir string) error {
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
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- sup.Run(ctx) }()
	select {
	case <-sup.Ready():
	case err := <-errc:
		return err
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
	st, err := sup.Stop(qctx, "sleeper")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s %s after stop\n", st.Name, st.State)

	cancel() // stops every remaining service, then Run returns
	return <-errc
}
