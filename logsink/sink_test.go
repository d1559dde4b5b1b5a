package logsink

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestChildOutputByteExact(t *testing.T) {
	t.Parallel()
	bothModes(t, testChildOutputByteExact)
}

func testChildOutputByteExact(t *testing.T, p *Poller) {
	s := openSink(t, Options{Poller: p})
	stdout, stderr, err := s.Pipes()
	if err != nil {
		t.Fatal(err)
	}
	startChild(t, childPayloadMode, stdout, stderr).wait(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	dir := filepath.Dir(s.Path(Stdout))
	for _, st := range []Stream{Stdout, Stderr} {
		want := childPayload(st)
		got := readLogs(t, dir, st)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got %d bytes, want %d; first difference at %d", st, len(got), len(want), firstDiff(got, want))
		}
		stats := s.Stats().Stream(st)
		if stats.BytesWritten != uint64(len(want)) || stats.BytesDropped != 0 || stats.LastError != "" {
			t.Errorf("%s: stats %+v, want %d bytes written, none dropped, no error", st, stats, len(want))
		}
		checkMode(t, s.Path(st), filePerm)
	}
	checkMode(t, dir, dirPerm)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestReopenAppends(t *testing.T) { bothModes(t, testReopenAppends) }

func testReopenAppends(t *testing.T, p *Poller) {
	dir := filepath.Join(t.TempDir(), "svc")
	for _, line := range []string{"first run\n", "second run\n"} {
		s, err := Open(Options{Dir: dir, Poller: p})
		if err != nil {
			t.Fatal(err)
		}
		stdout, stderr := pipes(t, s)
		mustWrite(t, stdout, []byte(line))
		_ = stdout.Close()
		_ = stderr.Close()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "first run\nsecond run\n"; string(got) != want {
		t.Errorf("stdout.log = %q, want %q", got, want)
	}
}

func TestSizeRotationLosesNothing(t *testing.T) {
	t.Parallel()
	bothModes(t, testSizeRotationLosesNothing)
}

func testSizeRotationLosesNothing(t *testing.T, p *Poller) {
	const maxSize = 1 << 20
	s := openSink(t, Options{MaxSize: maxSize, Poller: p})
	stdout, _ := pipes(t, s)
	data := randomBytes(7, 13<<19) // 6.5 MiB: at least 6 rotations
	for rest, i := data, 0; len(rest) > 0; i++ {
		n := min(len(rest), 1+(i*7919)%(300<<10)) // irregular write sizes
		mustWrite(t, stdout, rest[:n])
		rest = rest[n:]
	}
	_ = stdout.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Dir(s.Path(Stdout))
	names := backups(t, dir, Stdout)
	if len(names) < 6 {
		t.Errorf("%d backups, want at least 6: %v", len(names), names)
	}
	for _, n := range append(names, "stdout.log") {
		p := filepath.Join(dir, n)
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > maxSize {
			t.Errorf("%s: %d bytes, more than MaxSize", n, fi.Size())
		}
		checkMode(t, p, filePerm)
	}
	if got := readLogs(t, dir, Stdout); !bytes.Equal(got, data) {
		t.Errorf("backups + live file: %d bytes, want %d; first difference at %d", len(got), len(data), firstDiff(got, data))
	}
	if st := s.Stats().Stdout; st.BytesDropped != 0 || st.LastError != "" {
		t.Errorf("stats %+v", st)
	}
}

// Rotations in quick succession fall into the same millisecond, which is all
// a backup name has: none may overwrite another.
func TestRapidRotationsKeepEveryBackup(t *testing.T) {
	s := openSink(t, Options{})
	stdout, _ := pipes(t, s)
	var want []byte
	const n = 20
	for i := range n {
		line := fmt.Sprintf("line %d\n", i)
		mustWrite(t, stdout, []byte(line))
		want = append(want, line...)
		waitWritten(t, s, Stdout, uint64(len(want)))
		if err := s.Rotate(); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
	}
	dir := filepath.Dir(s.Path(Stdout))
	if got := backups(t, dir, Stdout); len(got) != n {
		t.Errorf("%d stdout backups, want %d", len(got), n)
	}
	if got := backups(t, dir, Stderr); len(got) != 0 {
		t.Errorf("empty stderr.log was rotated: %v", got)
	}
	if got := readLogs(t, dir, Stdout); !bytes.Equal(got, want) {
		t.Errorf("logs = %q, want %q", got, want)
	}
}

// With a tiny MaxSize every 64 KiB write rotates, many times per
// millisecond.
func TestSizeRotationsWithinOneMillisecond(t *testing.T) {
	t.Parallel()
	s := openSink(t, Options{MaxSize: 1})
	stdout, _ := pipes(t, s)
	data := randomBytes(8, 4<<20)
	mustWrite(t, stdout, data)
	_ = stdout.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(s.Path(Stdout))
	if n := len(backups(t, dir, Stdout)); n < 63 { // 64 KiB per write at most
		t.Errorf("%d backups, want at least 63", n)
	}
	if got := readLogs(t, dir, Stdout); !bytes.Equal(got, data) {
		t.Errorf("backups + live file: %d bytes, want %d; first difference at %d", len(got), len(data), firstDiff(got, data))
	}
}

func TestRotateEvery(t *testing.T) {
	s := openSink(t, Options{RotateEvery: 20 * time.Millisecond})
	stdout, _ := pipes(t, s)
	dir := filepath.Dir(s.Path(Stdout))
	msgs := []string{"one\n", "two\n", "three\n"}
	for i, m := range msgs {
		mustWrite(t, stdout, []byte(m))
		waitFor(t, fmt.Sprintf("backup %d", i+1), func() bool { return len(backups(t, dir, Stdout)) > i })
	}
	// Many ticks passed while the live file was empty: none rotated it.
	names := backups(t, dir, Stdout)
	if len(names) != len(msgs) {
		t.Fatalf("backups %v, want %d", names, len(msgs))
	}
	for i, n := range names {
		if b, err := os.ReadFile(filepath.Join(dir, n)); err != nil || string(b) != msgs[i] {
			t.Errorf("%s = %q (%v), want %q", n, b, err, msgs[i])
		}
	}
	if got := backups(t, dir, Stderr); len(got) != 0 {
		t.Errorf("empty stderr.log was rotated: %v", got)
	}
}

// The backups must be named so that lumberjack's retention and compression
// recognise them.
func TestRetentionAndCompression(t *testing.T) {
	s := openSink(t, Options{MaxBackups: 2, Compress: true})
	stdout, _ := pipes(t, s)
	dir := filepath.Dir(s.Path(Stdout))
	var written uint64
	write := func(line string) {
		mustWrite(t, stdout, []byte(line))
		written += uint64(len(line))
		waitWritten(t, s, Stdout, written)
	}
	for i := range 5 {
		write(fmt.Sprintf("line %d\n", i))
		if err := s.Rotate(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "two compressed backups", func() bool {
		names := backups(t, dir, Stdout)
		return len(names) == 2 && strings.HasSuffix(names[0], ".gz") && strings.HasSuffix(names[1], ".gz")
	})
	if got, want := string(readLogs(t, dir, Stdout)), "line 3\nline 4\n"; got != want {
		t.Errorf("logs = %q, want %q", got, want)
	}
	for _, n := range backups(t, dir, Stdout) {
		checkMode(t, filepath.Join(dir, n), filePerm)
	}
}

func TestSymlinkIsNeverWrittenThrough(t *testing.T) {
	tmp := t.TempDir()
	outside := filepath.Join(tmp, "outside.txt")
	if err := os.WriteFile(outside, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "svc")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "stdout.log")
	plant := func() {
		t.Helper()
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, path); err != nil {
			t.Fatal(err)
		}
	}
	isUnsafe := func(err error) bool { return errors.Is(err, ErrUnsafeFile) }
	// A non-regular file of another kind: an empty directory.
	if err := os.Mkdir(filepath.Join(dir, "stderr.log"), 0o750); err != nil {
		t.Fatal(err)
	}

	// At Open.
	plant()
	var log errorLog
	s := openSink(t, Options{Dir: dir, OnError: log.onError})
	if !log.has(Stdout, isUnsafe) || !log.has(Stderr, isUnsafe) {
		t.Fatalf("OnError got %v, want ErrUnsafeFile for both streams", log.errs)
	}
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("a\n"))
	mustWrite(t, stderr, []byte("e\n"))
	waitWritten(t, s, Stdout, 2)
	waitWritten(t, s, Stderr, 2)

	// While running: noticed at the next write.
	plant()
	mustWrite(t, stdout, []byte("b\n"))
	waitWritten(t, s, Stdout, 4)
	if st := s.Stats().Stdout; !strings.Contains(st.LastError, ErrUnsafeFile.Error()) {
		t.Errorf("LastError = %q, want ErrUnsafeFile", st.LastError)
	}

	// Before a rotation: nothing is rotated through the link.
	plant()
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, stdout, []byte("c\n"))
	waitWritten(t, s, Stdout, 6)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if b, err := os.ReadFile(outside); err != nil || string(b) != "precious" {
		t.Errorf("symlink target = %q (%v), want it unchanged", b, err)
	}
	for _, n := range append(backups(t, dir, Stdout), "stdout.log", "stderr.log") {
		fi, err := os.Lstat(filepath.Join(dir, n))
		if err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %v, %v; want a regular file", n, fi, err)
		}
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "c\n" {
		t.Errorf("stdout.log = %q (%v), want %q", got, err, "c\n")
	}
	if got := readLogs(t, dir, Stderr); string(got) != "e\n" {
		t.Errorf("stderr logs = %q, want %q", got, "e\n")
	}
}

func TestWriteFailureDropsAndResumes(t *testing.T) { bothModes(t, testWriteFailureDropsAndResumes) }

func testWriteFailureDropsAndResumes(t *testing.T, p *Poller) {
	var log errorLog
	dir := filepath.Join(t.TempDir(), "svc")
	s := openSink(t, Options{Dir: dir, OnError: log.onError, Poller: p})
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("before\n"))
	waitWritten(t, s, Stdout, 7)

	// Replace the directory by a file: no write or open can succeed, even as
	// root.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, stdout, []byte("lost\n"))
	waitFor(t, "dropped bytes", func() bool { return s.Stats().Stdout.BytesDropped == 5 })
	if !log.has(Stdout, func(error) bool { return true }) {
		t.Error("OnError was not called")
	}
	if st := s.Stats().Stdout; st.LastError == "" || st.LastErrorTime.IsZero() {
		t.Errorf("stats %+v: want the last error recorded", st)
	}

	// Once the path is usable again, logging resumes by itself.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, stdout, []byte("after\n"))
	waitWritten(t, s, Stdout, 7+6)
	if got, err := os.ReadFile(s.Path(Stdout)); err != nil || string(got) != "after\n" {
		t.Errorf("stdout.log = %q (%v), want %q", got, err, "after\n")
	}
	checkMode(t, dir, dirPerm)
	checkMode(t, s.Path(Stdout), filePerm)
}

func TestOptionsValidation(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{
		{},
		{Dir: dir, MaxSize: -1},
		{Dir: dir, MaxBackups: -1},
		{Dir: dir, MaxAge: -time.Hour},
		{Dir: dir, RotateEvery: -time.Second},
		{Dir: dir, QueueBytes: -1},
		{Dir: dir, MaxBlock: -time.Millisecond},
		{Dir: file},
	} {
		if s, err := Open(o); err == nil {
			_ = s.Close()
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

func TestStreamNamesAndPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	s := openSink(t, Options{Dir: dir})
	for st, want := range map[Stream]string{Stdout: "stdout", Stderr: "stderr"} {
		if st.String() != want {
			t.Errorf("String() = %q, want %q", st.String(), want)
		}
		if got := s.Path(st); got != filepath.Join(dir, want+".log") {
			t.Errorf("Path(%s) = %q", st, got)
		}
		if _, err := os.Lstat(s.Path(st)); err != nil {
			t.Errorf("Open did not create %s: %v", s.Path(st), err)
		}
	}
	if got := s.Path(Stream(7)); got != "" {
		t.Errorf("Path(7) = %q, want empty", got)
	}
	if days(0) != 0 || days(time.Hour) != 1 || days(48*time.Hour) != 2 {
		t.Error("MaxAge is not rounded up to whole days")
	}
}
