// Command loop is the smallest useful process supervisor, the physical
// limit superbench measures the real ones against: it starts N copies of a
// program and, each time one exits, starts it again at once. One thread
// waits for every child (wait4(-1), as a real supervisor does); nothing
// else happens between a child's exit and the fork/exec of its
// replacement.
//
// With -logs it also keeps the copies' output: in "pipe" mode each copy
// writes into a pipe that a goroutine drains into DIR/I.log with plain
// 64 KiB reads and writes (the least any logging supervisor does); in
// "file" mode the copy's stdout and stderr are the file itself (nothing on
// the data path at all).
//
// SIGTERM or SIGINT stops the copies (SIGTERM, then SIGKILL after 5 s) and
// ends the program.
//
//	loop [-n N] [-logs DIR] [-mode none|pipe|file] -- PROGRAM [ARG...]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("loop", flag.ContinueOnError)
	n := fs.Int("n", 1, "number of copies")
	logs := fs.String("logs", "", "directory of the copies' logs (mode pipe or file)")
	mode := fs.String("mode", "none", "output of the copies: none (discarded), pipe or file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	argv := fs.Args()
	if len(argv) == 0 || *n < 1 || (*mode != "none" && *logs == "") {
		fmt.Fprintln(os.Stderr, "usage: loop [-n N] [-logs DIR] [-mode none|pipe|file] -- PROGRAM [ARG...]")
		return 2
	}
	var drains sync.WaitGroup
	outs := make([]*os.File, *n)
	for i := range outs {
		out, err := output(&drains, *mode, filepath.Join(*logs, strconv.Itoa(i)+".log"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "loop:", err)
			return 1
		}
		outs[i] = out
	}
	err := supervise(argv, outs)
	for _, out := range outs {
		if out != nil {
			_ = out.Close() // ends the drains
		}
	}
	drains.Wait()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loop:", err)
		return 1
	}
	return 0
}

// output returns what a copy's stdout and stderr are (nil: /dev/null). In
// pipe mode it also starts the goroutine (counted in drains) that drains
// the pipe into the file until the write end, returned, is closed.
func output(drains *sync.WaitGroup, mode, path string) (*os.File, error) {
	switch mode {
	case "none":
		return nil, nil
	case "file":
		return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	case "pipe":
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		r, w, err := os.Pipe()
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		drains.Add(1)
		go func() {
			defer drains.Done()
			defer f.Close()
			defer r.Close()
			drain(f, r)
		}()
		return w, nil
	}
	return nil, fmt.Errorf("unknown mode %q", mode)
}

// drain copies r to w with plain reads and writes until r ends.
func drain(w io.Writer, r io.Reader) {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				fmt.Fprintln(os.Stderr, "loop:", werr)
			}
		}
		if err != nil {
			return
		}
	}
}
