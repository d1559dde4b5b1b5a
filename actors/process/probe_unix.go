//go:build unix

package process

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// probeWait bounds how long a start waits for its files to be looked at
// before the fork.
const probeWait = 2 * time.Second

// probes look at the files a start needs before its fork, where a file
// system that hangs cannot freeze the process: Go forks with
// clone(CLONE_VFORK), and the forking thread waits for the child's exec
// inside a raw system call that keeps its scheduler slot
// (golang/go#11155), so an exec blocked on a hung mount makes the next
// garbage collection, which stops every goroutine, wait for ever. Each
// look runs in a goroutine of its own, which a hung file system blocks
// until it answers again (it cannot be interrupted); a start waits for it
// at most wait. Once a look has taken longer, the starts of the same
// program, directory and PATH fail at once until it ends, so that a hung
// mount costs one goroutine for each, however often the start is tried
// again.
type probes struct {
	wait time.Duration
	mu   sync.Mutex
	hung map[string]chan struct{} // key of a look that took longer than wait -> closed when it ends
}

// prepare is newCmd and probeProgram, within p.wait. Every error is an
// *ExecError.
func (p *probes) prepare(spec Spec) (*exec.Cmd, error) {
	path, _ := envValue(spec.Env, "PATH")
	var argv0 string
	if len(spec.Argv) > 0 {
		argv0 = spec.Argv[0]
	}
	var (
		cmd *exec.Cmd
		err error
	)
	if !p.look(argv0+"\x00"+spec.Dir+"\x00"+path, func() {
		if cmd, err = newCmd(spec); err == nil {
			probeProgram(cmd.Path)
		}
	}) {
		return nil, &ExecError{Op: "exec", Path: argv0, Err: fmt.Errorf("%w of the program, its working directory or PATH within %v (a hung network or FUSE mount?)", ErrNoAnswer, p.wait)}
	}
	return cmd, err
}

// look runs fn in a goroutine of its own and reports whether it returned
// within p.wait; what fn sets may be read only then. Once a look of key has
// taken longer, the looks of key that come before it ends report false at
// once, without running their fn.
func (p *probes) look(key string, fn func()) bool {
	p.mu.Lock()
	_, blocked := p.hung[key]
	p.mu.Unlock()
	if blocked {
		return false
	}
	done := make(chan struct{})
	go func() {
		fn()
		close(done)
		p.mu.Lock()
		if p.hung[key] == done {
			delete(p.hung, key)
		}
		p.mu.Unlock()
	}()
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-done: // just now
		return true
	default:
	}
	if _, ok := p.hung[key]; !ok {
		p.hung[key] = done // the goroutine, once done, removes it
	}
	return false
}

// read runs read as a look of key (see look): its result if it returned
// within p.wait, else an error matching ErrNoAnswer.
func (p *probes) read(key string, read func() ([]byte, error)) ([]byte, error) {
	var (
		b   []byte
		err error
	)
	if !p.look(key, func() { b, err = read() }) {
		return nil, fmt.Errorf("%s: %w within %v", key, ErrNoAnswer, p.wait)
	}
	return b, err
}

// probeProgram opens the program at path, and looks up the interpreter a
// #! line names, the way its exec will. What it finds is left to the exec
// to report: its errors are ignored, only a regular file that someone may
// execute is opened (see openProgram: opening a FIFO or a device could
// block or act, and so could reading a file whose exec fails on its mode
// without reading it, as superd's user, root, whoever the service runs
// as), and the one opened is only read.
func probeProgram(path string) {
	f, ok := openProgram(path)
	if !ok {
		return
	}
	defer f.Close()
	var head [256]byte
	n, _ := f.ReadAt(head[:], 0)
	line, ok := bytes.CutPrefix(head[:n], []byte("#!"))
	if !ok {
		return
	}
	line, _, _ = bytes.Cut(line, []byte("\n"))
	if fields := bytes.Fields(line); len(fields) > 0 {
		_, _ = os.Stat(string(fields[0]))
	}
}
