//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// brokenStderrArg makes the test binary write a line through logStderr
// to a stderr whose reader is gone (see brokenStderrMain).
const brokenStderrArg = "-broken-stderr-helper"

// brokenStderrMain writes through logStderr to its stderr, a pipe whose
// reader is closed, with SIGPIPE neither handled nor ignored (as at the
// instant the process manager switches it to ignored): it exits 0 if the
// write failed with EPIPE, 3 on another outcome; written to descriptor 2
// itself, the runtime ends it with SIGPIPE.
func brokenStderrMain() int {
	_, err := logStderr().WriteString("superd's log line\n")
	if errors.Is(err, syscall.EPIPE) {
		return 0
	}
	return 3
}

// superd's log went to descriptor 2, whose EPIPE the Go runtime turns
// into a SIGPIPE that ends the process unless it is handled or ignored
// then; the process manager switches it from handled to ignored when a
// service's IgnoreSIGPIPE= needs it, and Go's switch has an instant where
// it is neither. With a stderr whose reader is gone (`superd 2>&1 |
// logger`, logger killed), a log line at that instant ended superd and
// every service with it. superd writes through a duplicate of its
// stderr: EPIPE is only an error of that write.
func TestLogToABrokenStderrIsNoSIGPIPE(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone
	cmd := exec.Command(os.Args[0], brokenStderrArg)
	cmd.Stderr = w
	err = cmd.Run()
	w.Close()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(ee.String(), "broken pipe") {
			t.Fatalf("a log line written to a broken stderr ended the process: %v", err)
		}
		t.Fatalf("helper: %v", err)
	}
}
