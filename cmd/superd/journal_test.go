//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Under systemd every line of superd's log was stored at priority info:
// `journalctl -p warning` showed none of its warnings or errors. With its
// stderr the journal's stream, each line begins with its level's syslog
// priority, which the journal strips and stores.
func TestJournalPriorities(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		l := newLogger(&buf, "debug", format, true).With("service", "a").WithGroup("g")
		l.Debug("d")
		l.Info("i")
		l.Warn("w")
		l.Error("e")
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		want := []string{"<7>", "<6>", "<4>", "<3>"}
		if len(lines) != len(want) {
			t.Fatalf("%s: %d lines, want %d:\n%s", format, len(lines), len(want), buf.String())
		}
		for i, line := range lines {
			if !strings.HasPrefix(line, want[i]) || strings.Count(line, "<") != 1 || !strings.Contains(line, "service") {
				t.Errorf("%s: line %d %q, want it to begin with %s once, with the logger's attributes", format, i, line, want[i])
			}
		}
		buf.Reset()
		newLogger(&buf, "debug", format, false).Error("e")
		if strings.HasPrefix(buf.String(), "<") {
			t.Errorf("%s: a line not for the journal: %q, want no priority", format, buf.String())
		}
	}
}

// toJournal: the journal's stream is the file whose device and inode
// JOURNAL_STREAM names; any other, or a malformed value, is not.
func TestToJournal(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "stream"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := os.Create(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	stream := devIno(t, f)
	if !toJournal(stream, f) {
		t.Errorf("toJournal(%q) of that very file = false", stream)
	}
	for _, v := range []string{stream + "x", "", "1", "a:b"} {
		if toJournal(v, f) {
			t.Errorf("toJournal(%q) = true", v)
		}
	}
	if toJournal(stream, g) {
		t.Errorf("toJournal(%q) of another file = true", stream)
	}
}

// devIno returns f's JOURNAL_STREAM value.
func devIno(t *testing.T, f *os.File) string {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

// The binary: superd's error for a missing config dir, written to a
// stderr that JOURNAL_STREAM names, is at priority err.
func TestSuperdLogToJournalHasPriorities(t *testing.T) {
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), "--config-dir", filepath.Join(dir, "missing"),
		"--socket", filepath.Join(dir, "s.sock"))
	cmd.Env = append(os.Environ(), "JOURNAL_STREAM="+devIno(t, out))
	cmd.Stderr = out
	if code := exitCode(cmd.Run()); code != 1 {
		t.Fatalf("superd: exit %d, want 1", code)
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "<3>") || !strings.Contains(string(b), "superd failed") {
		t.Errorf("superd's log to the journal: %q, want its error at <3>", b)
	}
}
