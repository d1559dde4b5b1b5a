//go:build !unix

package logsink

import "os"

// pipeReader reads a pipe with plain blocking reads. Where the runtime
// cannot wait for a pipe's readability without reading, it holds a buffer
// while it waits.
type pipeReader struct {
	f *os.File
}

func newPipeReader(f *os.File) *pipeReader { return &pipeReader{f: f} }

// hurryChan returns nil: catchUp never hurries a chunk here.
func (p *pipeReader) hurryChan() <-chan struct{} { return nil }

// handedOff does nothing here.
func (p *pipeReader) handedOff() {}

// end does nothing here.
func (p *pipeReader) end() {}

// catchUp does nothing here: the reader's blocking read cannot be told
// from an empty pipe, so the output a process left in its pipe may come
// after some of the next process's when the disk is slower than both.
func (p *pipeReader) catchUp(*streamWriter) {}

// read reads at most chunkSize bytes from the pipe. It returns a buffer from
// chunkPool holding n > 0 bytes, which the caller owns, or a nil buffer and
// n == 0; err is io.EOF once every write end is closed and
// os.ErrDeadlineExceeded after SetReadDeadline's deadline.
func (p *pipeReader) read() (buf *[]byte, n int, err error) {
	buf = chunkPool.Get().(*[]byte)
	n, err = p.f.Read(*buf)
	if n == 0 {
		chunkPool.Put(buf)
		buf = nil
	}
	return buf, n, err
}
