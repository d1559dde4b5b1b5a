package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/supers-dev/supers/transport"
)

type logsCmd struct {
	Follow bool      `short:"f" help:"Keep printing new output as it comes, until interrupted (--timeout bounds only the wait for superd's answer)."`
	Lines  lineCount `short:"n" default:"${logTail}" placeholder:"N" help:"How many of the last lines to print first: a number, or \"all\" (default ${default})."`
	Stderr bool      `help:"Print the service's stderr instead of its stdout."`
	Name   string    `arg:"" name:"name" help:"The service."`
}

// lineCount is the value of logs -n: a number of lines (0 or more), or
// "all", stored as -1 as transport.LogQuery.Tail wants it.
type lineCount int

// Decode implements kong.MapperValue. The value is the next argument
// whatever it looks like, so that "-n -1" is refused as a negative count,
// as "--lines=-1" is, not reported as a short flag where a value was
// expected.
func (n *lineCount) Decode(ctx *kong.DecodeContext) error {
	t := ctx.Scan.Pop()
	if t.IsEOL() {
		return errors.New(`missing value: want a number of lines (0 or more) or "all"`)
	}
	return n.UnmarshalText([]byte(t.String()))
}

// UnmarshalText parses "all" or a number of lines.
func (n *lineCount) UnmarshalText(text []byte) error {
	s := string(text)
	if s == "all" {
		*n = -1
		return nil
	}
	// Digits only: Atoi also takes a sign, and "+5" would mean "from line
	// 5" to a user of tail(1).
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || s[0] == '+' {
		return fmt.Errorf("%q: want a number of lines (0 or more) or \"all\"", s)
	}
	*n = lineCount(v)
	return nil
}

// Run copies the service's output as superd serves it (the last lines of
// the stream, from its live log file and as many rotated ones as needed,
// then with -f what comes next) to stdout,
// byte for byte: it is the service's own output, not superd's, so it is
// not sanitized, and --json does not apply.
//
// Without -f, --timeout bounds each wait for more of the answer rather than
// the whole of it, so that a long log is not cut short; with -f, only the
// wait for the answer to start. With -f it prints
// until Ctrl-C or SIGTERM (exit 0); if superd ends the stream first
// (shutting down), it says "superd closed the log stream" and exits 1; if
// the connection is cut midway (superd cuts a follower that leaves its
// output unread for a minute, or the connection broke), it says so, and
// exits 1.
// An unknown service exits 4, as for status.
func (c *logsCmd) Run(ctx context.Context, a *app) error {
	if err := checkNames("logs", c.Name); err != nil {
		return err
	}
	q := transport.LogQuery{Stream: transport.StreamStdout, Tail: int(c.Lines), Follow: c.Follow}
	if c.Stderr {
		q.Stream = transport.StreamStderr
	}
	if c.Follow {
		// The stream has no end of its own: --timeout bounds only the
		// wait for superd's answer, then only the user ends it.
		fctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := a.whileStarting(fctx, "", func(actx context.Context) error { return a.copyLogs(actx, c.Name, q, 0) })
		switch {
		case fctx.Err() != nil:
			return nil
		case err == nil, errors.Is(err, io.ErrUnexpectedEOF):
			return a.streamEnded("log", err)
		default:
			return a.serviceError("logs", c.Name, err)
		}
	}
	return a.serviceError("logs", c.Name, a.copyLogs(ctx, c.Name, q, a.timeout))
}

// copyLogs requests the logs and copies them to stdout until the answer
// ends. With idle > 0, the request fails when superd leaves it waiting
// that long, for the answer or for more of it (however long stdout takes
// to take the output): the error then wraps context.DeadlineExceeded.
func (a *app) copyLogs(ctx context.Context, name string, q transport.LogQuery, idle time.Duration) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var timer *time.Timer
	if idle > 0 {
		timer = time.AfterFunc(idle, func() { cancel(context.DeadlineExceeded) })
		defer timer.Stop()
	}
	rc, err := a.client.Logs(ctx, name, q)
	if err == nil {
		_, err = io.Copy(a.stdout, &activityReader{r: rc, timer: timer, idle: idle})
		rc.Close()
	}
	if err != nil && errors.Is(context.Cause(ctx), context.DeadlineExceeded) { // idle, or untilAnswered
		return fmt.Errorf("logs of %s: %w", name, context.DeadlineExceeded)
	}
	return err
}

// activityReader runs timer, when not nil, only while it waits for superd:
// each Read restarts it, and stops it when it returns, so that the time
// the copy spends writing to a slow stdout (a pager) does not count.
type activityReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *activityReader) Read(p []byte) (int, error) {
	if r.timer == nil {
		return r.r.Read(p)
	}
	r.timer.Reset(r.idle)
	n, err := r.r.Read(p)
	r.timer.Stop()
	return n, err
}
