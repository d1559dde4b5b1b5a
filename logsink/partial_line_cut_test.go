package logsink

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// cutShortRun is a Sink whose stdout.log is on a shortDisk, and what it
// was sent.
type cutShortRun struct {
	s    *Sink
	path string // stdout.log
	sent []byte

	mu   sync.Mutex
	errs []error // passed to OnError for stdout
}

// openCutShort opens a Sink whose stdout.log takes room bytes, then
// fails with ENOSPC after calling interfere, if not nil, with its path.
func openCutShort(t *testing.T, p *Poller, room int, interfere func(path string)) *cutShortRun {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "svc")
	r := &cutShortRun{path: filepath.Join(dir, "stdout.log")}
	disk := &shortDisk{limited: true, room: room}
	if interfere != nil {
		disk.interfere = func() { interfere(r.path) }
	}
	onError := func(st Stream, err error) {
		if st != Stdout {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.errs = append(r.errs, err)
	}
	r.s = openWrapped(t, Options{Dir: dir, Poller: p, OnError: onError}, disk.wrap)
	return r
}

// send writes b to the stream in one write, and waits until all that was
// sent is written or dropped.
func (r *cutShortRun) send(t *testing.T, stdout *os.File, b []byte) {
	t.Helper()
	mustWrite(t, stdout, b)
	r.sent = append(r.sent, b...)
	waitFor(t, "the output written or dropped", func() bool {
		st := r.s.Stats().Stdout
		return st.BytesWritten+st.BytesDropped == uint64(len(r.sent))
	})
}

// wantCounts checks the stream's BytesWritten and BytesDropped.
func (r *cutShortRun) wantCounts(t *testing.T, written, dropped int, why string) {
	t.Helper()
	if st := r.s.Stats().Stdout; st.BytesWritten != uint64(written) || st.BytesDropped != uint64(dropped) {
		t.Errorf("%d bytes written, %d dropped; want %d and %d (%s)",
			st.BytesWritten, st.BytesDropped, written, dropped, why)
	}
}

// tenLines is lines 0 to 9, sent in one write by the tests.
func tenLines() []byte {
	var b []byte
	for i := range 10 {
		b = append(b, numberedLine(i)...)
	}
	return b
}

// The piece of a line is cut off only if the path still names the file
// written: a file moved aside while the write was cut short (by a
// rotation of someone else's) is left as it is, the piece it holds
// counted as written, and nothing is reported but the full disk.
func TestCutSkippedWhenTheFileWasMovedAside(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		const room = 250 // lines 0 and 1, half of line 2
		r := openCutShort(t, p, room, func(path string) {
			if err := os.Rename(path, path+".moved"); err != nil {
				t.Error(err)
			}
		})
		stdout, _ := pipes(t, r.s)
		r.send(t, stdout, tenLines())
		r.wantCounts(t, room, len(r.sent)-room, "the piece of line 2 left in the file moved aside")
		if got := mustRead(t, r.path+".moved"); !bytes.Equal(got, r.sent[:room]) {
			t.Errorf("the file moved aside holds %q; want the %d bytes written to it", got, room)
		}
		if exists(r.path) {
			t.Errorf("%s exists; want nothing at the path", r.path)
		}
		waitFor(t, "OnError", func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return len(r.errs) > 0
		})
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, err := range r.errs {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("OnError got %v; want only the full disk", err)
			}
		}
	})
}

// Nor is it cut off another file now at the path, even one of the size
// the writer knows.
func TestCutSkippedWhenAnotherFileIsAtThePath(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		const room = 250
		other := bytes.Repeat([]byte("o"), room) // the size the file written would have
		r := openCutShort(t, p, room, func(path string) {
			if err := os.Rename(path, path+".moved"); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(path, other, 0o600); err != nil {
				t.Error(err)
			}
		})
		stdout, _ := pipes(t, r.s)
		r.send(t, stdout, tenLines())
		r.wantCounts(t, room, len(r.sent)-room, "the piece of line 2 left in the file moved aside")
		if got := mustRead(t, r.path+".moved"); !bytes.Equal(got, r.sent[:room]) {
			t.Errorf("the file moved aside holds %q; want the %d bytes written to it", got, room)
		}
		if got := mustRead(t, r.path); !bytes.Equal(got, other) {
			t.Errorf("the other file at the path holds %q; want %q, as it was", got, other)
		}
	})
}

// Nor is it cut off a file that is no longer of the size written:
// someone else wrote to it meanwhile, and what they wrote stays.
func TestCutSkippedWhenTheFileGrew(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		const room = 250
		extra := []byte("appended by someone else\n")
		r := openCutShort(t, p, room, func(path string) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			if _, err := f.Write(extra); err != nil {
				t.Error(err)
			}
		})
		stdout, _ := pipes(t, r.s)
		r.send(t, stdout, tenLines())
		r.wantCounts(t, room, len(r.sent)-room, "the piece of line 2 left in the file")
		want := append(r.sent[:room:room], extra...)
		if got := mustRead(t, r.path); !bytes.Equal(got, want) {
			t.Errorf("stdout.log holds %q; want %q, the %d bytes written and what was appended", got, want, room)
		}
	})
}

// A write cut short that holds no newline leaves nothing: the file is cut
// back to where the write began, and all of it is dropped.
func TestCutWriteWithoutANewline(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		const lineLen = 100
		r := openCutShort(t, p, lineLen+150, nil) // line 0, then 150 bytes of the next write
		stdout, _ := pipes(t, r.s)
		r.send(t, stdout, numberedLine(0))
		r.wantCounts(t, lineLen, 0, "line 0 whole")
		r.send(t, stdout, bytes.Repeat([]byte("y"), 300)) // no newline
		r.wantCounts(t, lineLen, 300, "the 150 bytes written of the write cut off, and all of it dropped")
		if got := mustRead(t, r.path); !bytes.Equal(got, numberedLine(0)) {
			t.Errorf("stdout.log holds %q; want line 0 only", got)
		}
	})
}
