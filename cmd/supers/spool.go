package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// spoolMemory is how much of its unread data a spool keeps in memory;
// past it, the data goes to a temporary file. On Windows, where a file
// cannot be removed while it is open, everything stays in memory: a
// temporary file would be left behind whenever supers is interrupted.
const spoolMemory = 8 << 20

// spoolSpills says whether a spool may spill to a temporary file.
const spoolSpills = runtime.GOOS != "windows"

// spool is a pipe whose writer never waits for its reader: what the reader
// has not taken yet is kept in memory, and past spoolMemory in a temporary
// file, removed at once (which then holds everything written after that,
// read or not, until the spool is closed). mergeStreams copies each stream's answer into one, so that superd
// sends the stream that the merge holds back at its own pace: superd cuts
// an answer that its client leaves unread for a minute.
type spool struct {
	dir string // of the temporary file; "" for os.TempDir

	mu         sync.Mutex
	more       *sync.Cond // broadcast when data or the end comes, or the reader leaves
	mem        []byte     // the unread data, while file is nil
	file       *os.File   // once spilled: the unread data is at [roff, woff)
	roff, woff int64
	end        error // set by closeWrite: io.EOF, or why the copy failed
	gone       bool  // the reader closed the spool
}

func newSpool() *spool {
	s := &spool{}
	s.more = sync.NewCond(&s.mu)
	return s
}

// Write keeps p for the reader. It fails once the reader has closed the
// spool, or if the temporary file cannot be written.
func (s *spool) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return 0, io.ErrClosedPipe
	}
	if spoolSpills && s.file == nil && len(s.mem)+len(p) > spoolMemory {
		if err := s.spill(); err != nil {
			return 0, err
		}
	}
	if s.file == nil {
		s.mem = append(s.mem, p...)
	} else {
		n, err := s.file.WriteAt(p, s.woff)
		s.woff += int64(n)
		if err != nil {
			s.more.Broadcast()
			return n, fmt.Errorf("logs: keeping a stream in %s: %w", s.file.Name(), err)
		}
	}
	s.more.Broadcast()
	return len(p), nil
}

// spill moves the unread data to a new temporary file, which from then on
// takes what is written. s.mu is held.
func (s *spool) spill() error {
	f, err := os.CreateTemp(s.dir, "supers-logs-*")
	if err != nil {
		return fmt.Errorf("logs: keeping a stream: %w", err)
	}
	_ = os.Remove(f.Name()) // gone with the last descriptor, whatever ends supers
	if _, err := f.Write(s.mem); err != nil {
		_ = f.Close()
		return fmt.Errorf("logs: keeping a stream in %s: %w", f.Name(), err)
	}
	s.file, s.roff, s.woff, s.mem = f, 0, int64(len(s.mem)), nil
	return nil
}

// closeWrite ends what is written: once it has read everything, the reader
// gets err, or io.EOF if err is nil.
func (s *spool) closeWrite(err error) {
	if err == nil {
		err = io.EOF
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.end == nil {
		s.end = err
	}
	s.more.Broadcast()
}

// Read waits for data, then reads it; at the end, it returns closeWrite's
// error.
func (s *spool) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		switch {
		case s.gone:
			return 0, io.ErrClosedPipe
		case s.file != nil && s.roff < s.woff:
			n, err := s.file.ReadAt(p[:min(int64(len(p)), s.woff-s.roff)], s.roff)
			s.roff += int64(n)
			if n > 0 {
				return n, nil
			}
			return 0, fmt.Errorf("logs: reading a stream back from %s: %w", s.file.Name(), err)
		case s.file == nil && len(s.mem) > 0:
			n := copy(p, s.mem)
			s.mem = s.mem[n:]
			return n, nil
		case s.end != nil:
			return 0, s.end
		}
		s.more.Wait()
	}
}

// Close is the reader's: it frees what the spool holds, and the writer's
// next Write fails.
func (s *spool) Close() error {
	s.mu.Lock()
	f := s.file
	s.gone, s.mem, s.file = true, nil, nil
	s.more.Broadcast()
	s.mu.Unlock()
	if f != nil {
		_ = f.Close()
	}
	return nil
}
