package main

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
)

// --help whose text cannot be written (stdout full) is an output error,
// exit 1, as for every other command: it was taken for a usage error,
// exit 2, with the advice to run the same --help.
func TestHelpWriteErrorIsNoUsageError(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"status", "--help"}, {"signal", "-h"}} {
		var stderr bytes.Buffer
		code := run(t.Context(), args, nil, fullWriter{}, &stderr, func(string) string { return "" })
		want := "supers: " + syscall.ENOSPC.Error() + "\n"
		if code != exitError || stderr.String() != want {
			t.Errorf("%q with stdout full: code %d, stderr %q; want exit 1, %q", args, code, stderr.String(), want)
		}
		if strings.Contains(stderr.String(), "--help") {
			t.Errorf("%q: stderr %q points to --help", args, stderr.String())
		}
	}
}
