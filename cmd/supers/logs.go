package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/supers-dev/supers/transport"
)

type logsCmd struct {
	Follow bool      `short:"f" help:"Keep printing new output as it comes, until interrupted (--timeout bounds only the wait for superd's answer)."`
	Lines  lineCount `short:"n" default:"${logTail}" placeholder:"N" help:"How many of the last lines to print first: a number, or \"all\" (default ${default})."`
	Stderr bool      `xor:"stream" help:"Print the service's stderr instead of its stdout."`
	Both   bool      `xor:"stream" help:"Print both stdout and stderr, each line prefixed with its stream (\"stdout | \", \"stderr | \"); without -f, merged by the stamps of [Log] Timestamps=."`
	Names  []string  `arg:"" name:"name" help:"The service; or several, names or patterns such as 'web-*' (at most 64 services, 32 with --both), each line then prefixed with its service's name (a line longer than 64 KiB in pieces of 64 KiB)."`
}

// maxLogStreams bounds the streams one supers logs reads at once: one
// connection each, and superd serves a bounded number of them. Each
// service is one stream, or two with --both.
const maxLogStreams = 64

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

// UnmarshalText parses "all" or a number of lines, as superd's logs query
// takes them (transport.ParseLineCount).
func (n *lineCount) UnmarshalText(text []byte) error {
	v, err := transport.ParseLineCount(string(text))
	if err != nil {
		return fmt.Errorf("%q: %w", text, err)
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
//
// With several services (or a pattern), each line is printed whole,
// prefixed with "NAME | " (a last line without its newline gets one): the
// last lines of each service in turn, or with -f the lines of all of them
// as they come. A service that fails (unknown, say) is reported and the
// others go on; the exit status is the highest.
//
// With --both, stdout and stderr are read as two services are: each line
// is prefixed with its stream ("stdout | "), and with several services
// with its service's name and stream ("web stderr | "). Without -f, the
// last lines of the two are merged by the stamps [Log] Timestamps= puts
// at the start of each line (see mergeStreams); so lines without stamps
// print those of stdout first, then those of stderr. With -f, the lines
// of both are printed as they come.
func (c *logsCmd) Run(ctx context.Context, a *app) error {
	q := transport.LogQuery{Stream: transport.StreamStdout, Tail: int(c.Lines), Follow: c.Follow}
	if c.Stderr {
		q.Stream = transport.StreamStderr
	}
	if c.Both || len(c.Names) > 1 || isPattern(c.Names[0]) {
		return c.runMany(ctx, a, q)
	}
	name := c.Names[0]
	if err := checkNames("logs", name); err != nil {
		return err
	}
	if c.Follow {
		// The stream has no end of its own: --timeout bounds only the
		// wait for superd's answer, then only the user ends it.
		interrupted, err := followUntilInterrupted(ctx, func(fctx context.Context) error {
			return a.whileStarting(fctx, "", func(actx context.Context) error { return a.copyLogs(actx, a.stdout, name, q, 0) })
		})
		switch {
		case interrupted:
			return nil
		case err == nil, errors.Is(err, io.ErrUnexpectedEOF):
			return a.streamEnded("log", err)
		default:
			return a.serviceError("logs", name, err)
		}
	}
	return a.serviceError("logs", name, a.copyLogs(ctx, a.stdout, name, q, a.timeout))
}

// logSource is one stream that supers logs reads, and the prefix of its
// lines.
type logSource struct {
	name   string
	q      transport.LogQuery
	prefix string
}

// sources returns the streams to read for names: one per service, each
// line prefixed with the service's name, or with --both two, prefixed
// with the stream too (with the stream alone for one service).
func (c *logsCmd) sources(names []string, q transport.LogQuery) []logSource {
	width := 0
	for _, name := range names {
		width = max(width, len(name))
	}
	var srcs []logSource
	for _, name := range names {
		if !c.Both {
			srcs = append(srcs, logSource{name: name, q: q, prefix: fmt.Sprintf("%-*s | ", width, name)})
			continue
		}
		for _, st := range []string{transport.StreamStdout, transport.StreamStderr} {
			sq := q
			sq.Stream = st
			prefix := st + " | "
			if len(names) > 1 {
				prefix = fmt.Sprintf("%-*s %s", width, name, prefix)
			}
			srcs = append(srcs, logSource{name: name, q: sq, prefix: prefix})
		}
	}
	return srcs
}

// runMany is Run for several services, or both streams.
func (c *logsCmd) runMany(ctx context.Context, a *app, q transport.LogQuery) error {
	names, unmatched, err := a.expand(ctx, "logs", c.Names, false, c.Follow)
	if err != nil {
		return err
	}
	if most := maxLogStreams / c.streamsEach(); len(names) > most {
		with := ""
		if c.Both {
			with = " with --both"
		}
		return &usageError{command: "logs", msg: fmt.Sprintf("logs: %d services match; at most %d at once%s (give fewer names, or narrower patterns)", len(names), most, with)}
	}
	code := a.reportUnmatched("logs", unmatched)
	out := &lineMux{w: a.stdout}
	srcs := c.sources(names, q)
	// A service that fails is reported once, not once per stream: its
	// other stream fails alike (unknown, say).
	reported := make(map[string]bool)
	report := func(name string, err error) {
		if err != nil {
			if reported[name] {
				return
			}
			reported[name] = true
		}
		code = max(code, errorCode(a.serviceError("logs", name, err)))
	}
	if !c.Follow && c.Both {
		for i := 0; i < len(srcs); i += 2 {
			errs, err := a.mergeStreams(ctx, out, srcs[i:i+2])
			if err != nil {
				return err
			}
			for _, err := range errs {
				if isFatal(err) {
					return err
				}
				report(srcs[i].name, err)
			}
		}
		return codeError(code)
	}
	if !c.Follow {
		for _, src := range srcs {
			w := out.writer(src.prefix)
			err := a.copyLogs(ctx, w, src.name, src.q, a.timeout)
			if ferr := w.flush(); err == nil {
				err = ferr
			}
			if isFatal(err) {
				return err
			}
			report(src.name, err)
		}
		return codeError(code)
	}

	// The streams have no end of their own: --timeout bounds only each wait
	// for superd's answer, then only the user ends them.
	var (
		mu    sync.Mutex // code, ended, and the error lines
		ended error      // the end of a stream superd closed (nil) or cut (io.ErrUnexpectedEOF)
		nEnd  int
	)
	interrupted, err := followUntilInterrupted(ctx, func(fctx context.Context) error {
		sctx, cancel := context.WithCancelCause(fctx) // a fatal error ends them all
		defer cancel(nil)
		var wg sync.WaitGroup
		for _, src := range srcs {
			w := out.writer(src.prefix)
			wg.Go(func() {
				err := a.whileStarting(sctx, "", func(actx context.Context) error { return a.copyLogs(actx, w, src.name, src.q, 0) })
				if ferr := w.flush(); err == nil && ferr != nil && sctx.Err() == nil {
					cancel(ferr) // stdout is gone: nothing more can be shown
					return
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case sctx.Err() != nil:
				case isFatal(err):
					cancel(err)
				case err == nil, errors.Is(err, io.ErrUnexpectedEOF):
					if nEnd == 0 || err != nil {
						ended = err
					}
					nEnd++
				default:
					report(src.name, err)
				}
			})
		}
		wg.Wait()
		if fctx.Err() != nil {
			return nil
		}
		return context.Cause(sctx) // fatal, or stdout failed
	})
	if err != nil && !interrupted {
		return err
	}
	// The copies interrupted may not all have returned (stuck writing to
	// stdout): what they found is read under mu.
	mu.Lock()
	defer mu.Unlock()
	if !interrupted && nEnd > 0 {
		// Every stream ended without the user: superd closed or cut them.
		_ = a.streamEnded("log", ended)
		code = max(code, exitError)
	}
	return codeError(code)
}

// followGrace is how long a follower the user interrupted waits for its
// copy to return before it exits all the same.
const followGrace = 500 * time.Millisecond

// followUntilInterrupted runs follow, which copies a followed stream to
// stdout until its context ends, until it returns or the user interrupts
// it with SIGINT or SIGTERM (or ctx ends); interrupted then says the
// latter. Once interrupted, follow's context is canceled, which ends a
// copy waiting for superd at once, and a second signal has its default
// effect. A copy stuck writing to stdout (a pipe nobody reads, a terminal
// paused with Ctrl-S) cannot be interrupted: it is waited for at most
// followGrace, then left to the process's exit, so that the user's
// signal ends supers as documented rather than only SIGKILL.
func followUntilInterrupted(ctx context.Context, follow func(context.Context) error) (interrupted bool, err error) {
	fctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1) // the copy left behind does not block on it
	go func() { done <- follow(fctx) }()
	select {
	case err := <-done:
		return fctx.Err() != nil, err
	case <-fctx.Done():
	}
	stop()
	grace := time.NewTimer(followGrace)
	defer grace.Stop()
	select {
	case err := <-done:
		return true, err
	case <-grace.C:
		return true, nil
	}
}

// streamsEach is how many streams supers logs reads of each service.
func (c *logsCmd) streamsEach() int {
	if c.Both {
		return 2
	}
	return 1
}

// errorCode is the exit status that err, an error of serviceError (which
// reported it), stands for.
func errorCode(err error) int {
	var status exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &status):
		return int(status)
	default:
		return exitError
	}
}

// codeError is the error that makes supers exit with code.
func codeError(code int) error {
	if code == exitOK {
		return nil
	}
	return exitStatus(code)
}

// lineMux writes the lines of several streams to one writer, each line
// whole and prefixed with its stream's prefix.
type lineMux struct {
	mu sync.Mutex
	w  io.Writer
}

// maxLogLine bounds what a prefixed stream holds of a line waiting for its
// end: a longer line is printed in pieces, each on a line of its own.
const maxLogLine = 64 << 10

// writer returns a writer of one stream, whose lines m prefixes with
// prefix.
func (m *lineMux) writer(prefix string) *prefixWriter {
	return &prefixWriter{m: m, prefix: prefix}
}

// prefixWriter is one stream of a lineMux. Its Write must not be called
// concurrently (one goroutine copies each stream).
type prefixWriter struct {
	m      *lineMux
	prefix string
	buf    []byte // the start of a line
	cut    bool   // the last thing printed was a piece of a longer line
}

// Write prints the complete lines of p, prefixed, and keeps the rest for
// the next Write or flush. A line longer than maxLogLine is printed in
// pieces of maxLogLine bytes, each ended with a newline; the line's own
// newline, right after a piece, ends nothing more.
func (w *prefixWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	var out []byte
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i == 0 && w.cut {
			// The line ended where its last piece was cut: no empty
			// line of its own.
			w.buf, w.cut = w.buf[1:], false
			continue
		}
		if i < 0 && len(w.buf) < maxLogLine {
			break
		}
		end, piece := i+1, i < 0 || i >= maxLogLine
		if piece {
			end = maxLogLine
		}
		out = append(append(out, w.prefix...), w.buf[:end]...)
		if piece {
			out = append(out, '\n')
		}
		w.buf, w.cut = w.buf[end:], piece
	}
	w.buf = append(w.buf[:0:0], w.buf...) // do not keep p's lines alive
	if len(out) > 0 {
		if err := w.m.write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush prints the last line, without its newline, if there is one.
func (w *prefixWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	line := append(append([]byte(w.prefix), w.buf...), '\n')
	w.buf, w.cut = nil, false
	return w.m.write(line)
}

func (m *lineMux) write(b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.w.Write(b); err != nil {
		return &outputError{err}
	}
	return nil
}

// outputError is a failure to write supers's output (stdout full, closed):
// no stream can be shown any more, whichever service it is of.
type outputError struct{ err error }

func (e *outputError) Error() string { return "write stdout: " + e.err.Error() }
func (e *outputError) Unwrap() error { return e.err }

// copyLogs requests the logs and copies them to w until the answer
// ends. With idle > 0, the request fails when superd leaves it waiting
// that long, for the answer or for more of it (however long stdout takes
// to take the output): the error then wraps context.DeadlineExceeded.
func (a *app) copyLogs(ctx context.Context, w io.Writer, name string, q transport.LogQuery, idle time.Duration) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var timer *time.Timer
	if idle > 0 {
		timer = time.AfterFunc(idle, func() { cancel(context.DeadlineExceeded) })
		defer timer.Stop()
	}
	rc, err := a.client.Logs(ctx, name, q)
	if err == nil {
		_, err = io.Copy(w, &activityReader{r: rc, timer: timer, idle: idle})
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

// mergeStreams prints the last lines of two streams of one service (srcs:
// its stdout and its stderr), each line with its source's prefix, merged by
// the stamps that [Log] Timestamps= puts at the start of each line: of
// the two streams' next lines, the one with the earlier stamp comes first
// (stdout's on a tie), and a line without a stamp as soon as the line
// before it in its stream has come. Lines without stamps thus keep their
// streams apart (stdout's, then stderr's), and logs that got stamps only
// lately print their older lines first. The two answers are read at once,
// each as fast as superd sends it, into a spool: what is not printed yet
// waits in memory, past 8 MiB in a temporary file (not on Windows), so
// that superd never has a stream held back (it cuts an answer left unread
// for a minute).
//
// It returns the errors of the two requests (nil for a stream read to its
// end), already wrapped as copyLogs does, and a fatal error: stdout failing.
func (a *app) mergeStreams(ctx context.Context, out *lineMux, srcs []logSource) (errs [2]error, fatal error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type stream struct {
		w    *prefixWriter
		r    *bufio.Reader
		sp   *spool
		line []byte // the next line (or piece of one) to print; nil once read to the end
		mid  bool   // the last piece printed did not end its line
	}
	var (
		ss     [2]stream
		copied [2]error // the copies' errors, errs once they have returned
		wg     sync.WaitGroup
	)
	for i, src := range srcs {
		sp := newSpool()
		ss[i] = stream{w: out.writer(src.prefix), r: bufio.NewReaderSize(sp, maxLogLine), sp: sp}
		wg.Go(func() {
			copied[i] = a.copyLogs(ctx, sp, src.name, src.q, a.timeout)
			sp.closeWrite(copied[i])
		})
	}
	defer func() {
		// Both streams were read to their end, when stdout did not fail
		// first: then the copies are stopped.
		cancel()
		for i := range ss {
			ss[i].sp.Close()
		}
		wg.Wait()
		errs = copied
	}()
	next := func(s *stream) {
		line, err := s.r.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			s.line = nil // the end, or the copy's error, which errs holds
			return
		}
		s.line = line // valid until the next read: printed before it
	}
	for i := range ss {
		next(&ss[i])
	}
	for {
		s := pickStream(ss[0].line, ss[1].line, ss[0].mid, ss[1].mid)
		if s < 0 {
			break
		}
		st := &ss[s]
		if _, err := st.w.Write(st.line); err != nil {
			return errs, err // errs is set when the copies have returned
		}
		st.mid = st.line[len(st.line)-1] != '\n'
		next(st)
		if st.line == nil && st.mid {
			// Its last line has no newline: printed now, with one, before
			// the other stream's next line.
			if err := st.w.flush(); err != nil {
				return errs, err
			}
			st.mid = false
		}
	}
	return errs, nil
}

// pickStream returns which of two streams' next lines a and b mergeStreams
// prints first (0 or 1), or -1 when both are read to the end. A stream in
// the middle of a line (aMid, bMid: a longer line than a read) goes on
// first.
func pickStream(a, b []byte, aMid, bMid bool) int {
	switch {
	case a == nil && b == nil:
		return -1
	case b == nil, aMid:
		return 0
	case a == nil, bMid:
		return 1
	}
	sa, aok := lineStamp(a)
	sb, bok := lineStamp(b)
	switch {
	case !aok:
		return 0
	case !bok:
		return 1
	case bytes.Compare(sb, sa) < 0:
		return 1
	default:
		return 0
	}
}

// lineStamp returns the stamp a log line starts with when its service has
// [Log] Timestamps= ("2026-01-02T15:04:05.000Z "), which sorts as text.
func lineStamp(line []byte) ([]byte, bool) {
	const shape = "0000-00-00T00:00:00.000Z" // 0: any digit
	if len(line) <= len(shape) || line[len(shape)] != ' ' {
		return nil, false
	}
	for i := range len(shape) {
		c, want := line[i], shape[i]
		if want == '0' && (c < '0' || c > '9') || want != '0' && c != want {
			return nil, false
		}
	}
	return line[:len(shape)], true
}
