package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/supers-dev/supers/config/flock"
)

// socketTransport is the [http.RoundTripper] of a socket client. It sends
// each request on a connection of its own, written and read by the calling
// goroutine, and closes the connection with the response body: unlike an
// [http.Transport], it starts no goroutine per connection and keeps no
// pool, which matters to a short-lived CLI that makes one or two requests.
//
// When the request's context ends, the connection is closed: a blocked
// write or read returns, and superd sees the request abandoned.
type socketTransport struct {
	path   string
	dialer net.Dialer
}

// RoundTrip sends req on a new connection to the socket and returns the
// answer once its header is read. A failure to connect is a *dialError.
func (t *socketTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	err := checkSocketPath(t.path)
	var conn net.Conn
	if err == nil {
		conn, err = t.dial(ctx)
	}
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		// Connecting to anything but a socket (a directory, a regular
		// file, a FIFO) is "connection refused", as if superd had died:
		// say what the path is.
		if fi, statErr := os.Stat(t.path); statErr == nil && fi.Mode()&fs.ModeSocket == 0 && !errors.Is(err, errPathTooLong) {
			err = notSocketError(fi.Mode())
		}
		holder := 0
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			// Not "is superd running?" if it is: one starting, or
			// shutting down, holds the lock without the socket.
			holder = flock.Holder(t.path + ".lock")
		}
		return nil, &dialError{err: err, holder: holder}
	}
	// Closing the connection unblocks whatever uses it when ctx ends. The
	// function runs in a goroutine of its own, started only then.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	fail := func(err error) (*http.Response, error) {
		stop()
		_ = conn.Close()
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, err
	}
	werr := req.Write(conn) // closes req.Body
	// Even when the request could not be written whole, superd may have
	// answered it: it refuses a body over its limit (413) without reading
	// it, then closes the connection. Its answer says more than the write
	// error.
	br := bufio.NewReader(conn)
	if _, err := br.Peek(1); err != nil {
		if werr != nil {
			return fail(brokenConnection(werr))
		}
		return fail(err) // io.EOF: superd closed the connection without answering
	}
	// As http.Transport does: a caller that bounds only the wait for the
	// answer (a followed stream) learns here that it has come.
	if trace := httptrace.ContextClientTrace(ctx); trace != nil && trace.GotFirstResponseByte != nil {
		trace.GotFirstResponseByte()
	}
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return fail(brokenConnection(err))
	}
	resp.Body = &socketBody{body: resp.Body, conn: conn, stop: stop, ctx: ctx}
	return resp, nil
}

// Bounds of the pause before dial tries again a socket whose backlog is
// full: it doubles from the first to the second.
const (
	backlogRetryFirst = 5 * time.Millisecond
	backlogRetryMost  = 100 * time.Millisecond
)

// dial connects to the socket. A Unix socket whose backlog is full
// (superd has not yet accepted the connections that came before: it
// serves at most maxSocketConns at once, and a batch of supers may open
// hundreds) refuses at once with EAGAIN, where a TCP connect would wait:
// such a connect is tried again until ctx ends.
func (t *socketTransport) dial(ctx context.Context) (net.Conn, error) {
	pause := backlogRetryFirst
	for {
		conn, err := t.dialer.DialContext(ctx, "unix", t.path)
		if err != nil {
			awaitPassedDeadline(ctx)
		}
		if !errors.Is(err, syscall.EAGAIN) {
			return conn, err
		}
		timer := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, err
		case <-timer.C:
		}
		pause = min(2*pause, backlogRetryMost)
	}
}

// awaitPassedDeadline waits for ctx to end if its deadline has passed. A
// dial fails for that deadline ("i/o timeout") as soon as the clock is
// past it, which on a loaded machine can be before the context's timer
// has fired and ended it; the caller tells such a failure from a superd
// that cannot be reached by ctx.Err, which must then say so.
func awaitPassedDeadline(ctx context.Context) {
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		<-ctx.Done()
	}
}

// brokenConnection is err, a failure to write a request or to read its
// answer once superd started it, worded as an [http.Transport] words it.
func brokenConnection(err error) error {
	return fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", err)
}

// socketBody is the body of an answer read by a socketTransport: closing
// it closes the connection.
type socketBody struct {
	body io.Reader // the body as http.ReadResponse decodes it
	conn net.Conn
	stop func() bool // stops the context.AfterFunc closing conn
	ctx  context.Context

	mu     sync.Mutex
	closed bool
}

// Read reads from the body. Once the request's context has ended, it
// returns the context's cause, as an [http.Transport] body does.
func (b *socketBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return 0, http.ErrBodyReadAfterClose
	}
	n, err := b.body.Read(p)
	if err != nil && err != io.EOF && b.ctx.Err() != nil { //nolint:errorlint // io.EOF is returned unwrapped by Read
		err = context.Cause(b.ctx)
	}
	return n, err
}

// Close closes the connection, whether or not the body was read to its
// end: the connection is never reused, so it need not be drained (and a
// followed stream has no end to drain to).
func (b *socketBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	b.stop()
	_ = b.conn.Close() // nothing to learn from: the answer was read or is abandoned
	return nil
}

// CheckSocketDir reports a directory of path, a socket a client is about
// to connect to, that another user could have made or could change, as
// superd refuses such a directory before it listens there (its own, and
// each one above it: owned by root or by this process's user, and not
// writable by every user unless sticky). A client that did not choose the
// path, such as supers at its default path (under the temp dir when
// XDG_RUNTIME_DIR is unset), must not talk to whatever another user
// put there: it would hand a fake superd its service definitions and
// believe its answers. A directory that does not exist is no error: the
// dial reports it.
func CheckSocketDir(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := checkSocketDir(dir); err != nil {
		return fmt.Errorf("refusing socket %s: %w", path, err)
	}
	return nil
}
