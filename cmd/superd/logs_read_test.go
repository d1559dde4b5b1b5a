//go:build linux

package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// streamOnDisk returns a service's stdout as its log files hold it, rotated
// files (decompressed) first, and the size of the live file.
func streamOnDisk(t *testing.T, dir string) ([]byte, int64) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, -1
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "stdout-") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	var all []byte
	for i, n := range names {
		if i+1 < len(names) && names[i+1] == n+".gz" {
			continue // being compressed: the plain file is complete
		}
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return nil, -1
		}
		var r io.Reader = f
		if strings.HasSuffix(n, ".gz") {
			if r, err = gzip.NewReader(f); err != nil {
				f.Close()
				return nil, -1
			}
		}
		b, err := io.ReadAll(r)
		f.Close()
		if err != nil {
			return nil, -1
		}
		all = append(all, b...)
	}
	live, err := os.ReadFile(filepath.Join(dir, "stdout.log"))
	if err != nil {
		return nil, -1
	}
	return append(all, live...), int64(len(live))
}

// supers logs -n N prints the last N lines of the stream, also right after
// a rotation, when the live file is empty and the lines are in the rotated
// files, compressed or not.
func TestLogsTailAcrossRotations(t *testing.T) {
	const first, last = 1000000, 1399999 // 400000 lines of 8 bytes: 3 MiB and more
	d := newDaemon(t, map[string]string{
		"seq.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'seq %d %d; exec sleep 3600'\n"+
			"[Log]\nMaxSize=1M\nCompress=yes\nRotateEvery=1s\n", first, last),
	}).start()
	d.waitRunning("seq")
	var want []byte
	for i := first; i <= last; i++ {
		want = fmt.Appendf(want, "%d\n", i)
	}
	dir := filepath.Join(d.logDir, "seq")
	waitFor(t, 30*time.Second, "all output rotated away, the live file empty", func() bool {
		got, live := streamOnDisk(t, dir)
		return live == 0 && bytes.Equal(got, want)
	})
	lines := bytes.SplitAfter(want, []byte("\n"))
	lines = lines[:len(lines)-1]
	for _, n := range []int{1, 10, 131072, 200000, 400000, 500000} {
		out, errs, code := d.cli("logs", "-n", fmt.Sprint(n), "seq")
		if code != 0 || errs != "" {
			t.Fatalf("logs -n %d: exit %d, %q", n, code, errs)
		}
		if exp := bytes.Join(lines[len(lines)-min(n, len(lines)):], nil); out != string(exp) {
			t.Errorf("logs -n %d: %d bytes, want the last %d lines (%d bytes)", n, len(out), n, len(exp))
		}
	}
	if out, _, code := d.cli("logs", "-n", "all", "seq"); code != 0 || out != string(want) {
		t.Errorf("logs -n all: exit %d, %d bytes, want %d", code, len(out), len(want))
	}
}
