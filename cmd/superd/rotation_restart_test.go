//go:build linux

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// RotateEvery keeps its schedule across a restart of superd: the first
// rotation after the restart comes a whole period after the last one, even
// though stderr.log, empty since the service started, is older than that.
// (An empty file is not rotated, so its age used to have stdout rotated at
// once at each restart.)
func TestRotateEveryScheduleSurvivesRestart(t *testing.T) {
	t.Parallel()
	const every = 8 * time.Second
	d := newDaemon(t, map[string]string{"tick.service": `[Service]
ExecStart=/bin/sh -c 'while :; do echo tick; sleep 0.2; done'
[Log]
RotateEvery=8s
`}).start()
	dir := filepath.Join(d.logDir, "tick")
	var first []string
	waitFor(t, 30*time.Second, "the first timed rotation of stdout.log", func() bool {
		first = stdoutBackups(t, dir)
		return len(first) > 0
	})
	waitFor(t, 30*time.Second, "output in the new stdout.log", func() bool {
		fi, err := os.Stat(filepath.Join(dir, "stdout.log"))
		return err == nil && fi.Size() > 0
	})
	if err := d.terminate(); err != nil {
		t.Fatal(err)
	}
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	d2.start()
	var all []string
	waitFor(t, 30*time.Second, "the second timed rotation of stdout.log", func() bool {
		all = stdoutBackups(t, dir)
		return len(all) > 1
	})
	t1, t2 := backupStamp(t, all[0]), backupStamp(t, all[1])
	if gap := t2.Sub(t1); gap < every-time.Second {
		t.Errorf("stdout.log rotated %v after the previous rotation, across a restart of superd; want RotateEvery (%v): %v", gap, every, all)
	}
}

// stdoutBackups returns the names of stdout's rotated files in dir, oldest
// first.
func stdoutBackups(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "stdout-") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// backupStamp parses the time in a rotated file's name.
func backupStamp(t *testing.T, name string) time.Time {
	t.Helper()
	stamp := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(name, "stdout-"), ".gz"), ".log")
	ts, err := time.Parse("2006-01-02T15-04-05.000", stamp)
	if err != nil {
		t.Fatalf("backup %s: %v", name, err)
	}
	return ts
}
