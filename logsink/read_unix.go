//go:build unix

package logsink

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
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

	// Shared with catchUp, which reads the pipe too: each read and what
	// becomes of its chunk are in order.
	mu      sync.Mutex
	handing bool          // a chunk read is not queued yet
	handed  chan struct{} // closed once it is, for a catchUp waiting for it
	hurry   chan struct{} // closed by catchUp: the chunk goes past the queue's bound
	hurried bool          // hurry is closed
	ended   bool          // the reader goroutine is returning
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
	p.mu.Lock()
	defer p.mu.Unlock()
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
			p.handing = true
		}
		return true
	}
}

// hurryChan returns the channel whose closing lets the chunk in hand go
// past the queue's bound.
func (p *pipeReader) hurryChan() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hurry == nil {
		p.hurry = make(chan struct{})
	}
	return p.hurry
}

// handedOff tells that the chunk read is queued (or dropped).
func (p *pipeReader) handedOff() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handing = false
	if p.handed != nil {
		close(p.handed)
		p.handed = nil
		// The next chunk waits for catchUp to count it: left closed, the
		// reader could queue chunk after chunk past the bound before
		// catchUp runs again.
		p.hurry, p.hurried = nil, false
	}
}

// end tells that the reader goroutine returns: catchUp queues nothing
// more for it.
func (p *pipeReader) end() {
	p.mu.Lock()
	p.ended = true
	p.mu.Unlock()
}

// catchUp queues for w what the reader holds and what its pipe holds now,
// past the queue's bound if need be, before the pipes of the service's
// next process are made (see polledPipe.catchUp, its counterpart for a
// Poller's pipes). The reader goroutine's pushes are hurried past the
// bound meanwhile: a chunk it holds is queued at once, and catchUp reads
// the pipe itself only while the reader holds none, so that the chunks
// are queued in the order they were read, until the pipe is empty. It
// queues at most about catchUpMax past the bound, and gives up after
// closeDrainTimeout (only a bug could make a hurried push wait that
// long): the order is then not kept.
func (p *pipeReader) catchUp(w *streamWriter) {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return // closed: the reader goroutine is returning
	}
	deadline := time.Now().Add(closeDrainTimeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	defer func() { p.hurry, p.hurried = nil, false }() // the next chunk waits for room again
	for read := 0; !p.ended && read < catchUpMax; {
		if p.handing {
			if p.hurry == nil {
				p.hurry = make(chan struct{})
			}
			if !p.hurried {
				close(p.hurry)
				p.hurried = true
			}
			done := make(chan struct{})
			p.handed = done
			p.mu.Unlock()
			t := time.NewTimer(time.Until(deadline))
			late := false
			select {
			case <-done:
			case <-t.C:
				late = true
			}
			t.Stop()
			p.mu.Lock()
			if late {
				return
			}
			read += chunkSize // at most: the chunk it held went past the bound
			continue          // it may hold the next chunk already
		}
		var n int
		var empty bool
		if err := rc.Control(func(fd uintptr) { n, empty = p.readOver(fd, w) }); err != nil || empty {
			return // closed, or the pipe is empty (or ended: the reader reads that)
		}
		read += n
	}
}

// readOver reads a chunk from the pipe fd and queues it for w past the
// queue's bound; empty reports that there was none to read. p.mu is held.
func (p *pipeReader) readOver(fd uintptr, w *streamWriter) (n int, empty bool) {
	buf := chunkPool.Get().(*[]byte)
	for {
		n, err := syscall.Read(int(fd), *buf)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			chunkPool.Put(buf)
			return 0, true
		}
		queueOver(w, chunkOf(buf, n), w.readAt())
		return n, false
	}
}
