//go:build unix

package logsink

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// pipeReader reads a pipe without holding a buffer while the pipe is empty:
// it waits for readability in the runtime's netpoller through the file's
// RawConn and takes a buffer from chunkPool only to read what is there.
type pipeReader struct {
	f    *os.File
	rc   syscall.RawConn
	try  func(fd uintptr) bool // p.tryRead, bound once instead of per read
	buf  *[]byte               // set by tryRead: what it read
	n    int
	rerr error
}

func newPipeReader(f *os.File) *pipeReader {
	p := &pipeReader{f: f}
	p.try = p.tryRead
	return p
}

// read waits until the pipe has data or is closed at the other end, then
// reads at most chunkSize bytes. It returns a buffer from chunkPool holding
// n > 0 bytes, which the caller owns, or a nil buffer, n == 0 and an error:
// io.EOF once every write end is closed, os.ErrDeadlineExceeded after
// SetReadDeadline's deadline.
func (p *pipeReader) read() (buf *[]byte, n int, err error) {
	if p.rc == nil {
		if p.rc, err = p.f.SyscallConn(); err != nil {
			return nil, 0, err
		}
	}
	if err := p.rc.Read(p.try); err != nil {
		return nil, 0, err // the deadline passed (or the file was closed)
	}
	buf, n, err = p.buf, p.n, p.rerr
	p.buf, p.n, p.rerr = nil, 0, nil
	return buf, n, err
}

// tryRead is RawConn.Read's callback: it reads into a buffer from the pool,
// or gives the buffer back and returns false, to be called again once the
// pipe is readable, if there is nothing to read yet.
func (p *pipeReader) tryRead(fd uintptr) bool {
	buf := chunkPool.Get().(*[]byte)
	for {
		n, err := syscall.Read(int(fd), *buf)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EAGAIN):
			chunkPool.Put(buf)
			return false
		case err != nil:
			chunkPool.Put(buf)
			p.rerr = os.NewSyscallError("read", err)
		case n == 0:
			chunkPool.Put(buf)
			p.rerr = io.EOF
		default:
			p.buf, p.n = buf, n
		}
		return true
	}
}
