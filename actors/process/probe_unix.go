//go:build unix

package process

import (
	"bytes"
	"os"
	"syscall"
)

// probeProgram opens the program at path, and looks up the interpreter a
// #! line names, the way its exec will, before the fork. On a file system
// that hangs (a network mount whose server is gone, a FUSE server that
// stopped answering), the exec would block the forking thread inside
// clone(CLONE_VFORK), a raw system call that keeps its scheduler slot
// (golang/go#11155): the next garbage collection, which stops every
// goroutine, would then wait for ever, and the whole supervisor with it.
// Here it blocks only the caller, in an ordinary system call. What it
// finds is left to the exec to report: its errors are ignored, a file
// that is not regular is not opened (opening a FIFO or a device could
// block or act), and the one opened is only read.
func probeProgram(path string) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
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
