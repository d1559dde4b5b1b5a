//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The socket's directory, which holds the state file, removed while superd
// runs (by a cleaner of old files in /tmp or /run): the state file never
// came back (its write failed on the missing directory, and the watch
// stayed on the old one), so that after a crash of superd the next one
// knew neither the processes nor the marker, and ran the service twice.
// The directory and the state file are now made again at once, and the
// next superd stops what the crashed one left.
func TestStateFileComesBackWithItsDirectory(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	first := d.waitRunning("a").PID
	state := d.socket + ".state"
	dir := filepath.Dir(d.socket)
	waitFor(t, 10*time.Second, "the state file records a", func() bool { return readRecords(state)["a"] == first })

	gone := dir + ".gone"
	if err := os.Rename(dir, gone); err != nil { // moved away, then removed
		t.Fatal(err)
	}
	if err := os.RemoveAll(gone); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the state file written again, with a", func() bool { return readRecords(state)["a"] == first })
	// The watch follows the new directory: the file removed from it comes
	// back too.
	if err := os.Remove(state); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the state file written again once more", func() bool { return readRecords(state)["a"] == first })

	// superd crashes; it can only be reached by its socket, which SIGHUP
	// makes again.
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the socket made again", func() bool {
		fi, err := os.Stat(d.socket)
		return err == nil && fi.Mode().Type() == os.ModeSocket
	})
	next := d.restartAfterKill()
	second := next.waitRunning("a").PID
	next.track(second)
	waitFor(t, 10*time.Second, "the process the crashed superd left stopped", func() bool { return !alive(first) })
}

// readRecords returns the main PID of each service the state file at path
// records as running; none if it cannot be read.
func readRecords(path string) map[string]int {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var st struct {
		Processes []struct {
			Service string `json:"service"`
			PID     int    `json:"pid"`
		} `json:"processes"`
	}
	if json.Unmarshal(b, &st) != nil {
		return nil
	}
	out := make(map[string]int, len(st.Processes))
	for _, p := range st.Processes {
		out[p.Service] = p.PID
	}
	return out
}
