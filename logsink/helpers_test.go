package logsink

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/config/flock"
)

// childEnv makes the test binary act as a service child: see TestMain. Its
// value selects what the child writes: childPayloadMode or childFloodMode.
const childEnv = "LOGSINK_TEST_CHILD"

const (
	childPayloadMode = "payload"
	childFloodMode   = "flood"
	childRepeatMode  = "repeat"
	// floodEnv lists, comma-separated, the sizes of a flood child's phases.
	floodEnv = "LOGSINK_TEST_FLOOD"
	// repeatEnv is how many bytes a repeat child writes.
	repeatEnv = "LOGSINK_TEST_REPEAT"
)

// Tests that count goroutines, measure memory or change the umask must not
// call t.Parallel; the long ones that do none of that do, so that they run
// together once the others are done.
func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case childFloodMode:
		os.Exit(floodMain())
	case childRepeatMode:
		os.Exit(repeatMain())
	case childSinkMode:
		os.Exit(sinkMain())
	case childLockMode:
		os.Exit(lockMain())
	default:
		os.Exit(childMain())
	}
}

// childMain writes childPayload to stdout and stderr in irregular pieces.
func childMain() int {
	for _, st := range []Stream{Stdout, Stderr} {
		f := os.Stdout
		if st == Stderr {
			f = os.Stderr
		}
		data := childPayload(st)
		r := rand.New(rand.NewPCG(1, uint64(st)))
		for len(data) > 0 {
			n := min(len(data), 1+r.IntN(200<<10))
			if _, err := f.Write(data[:n]); err != nil {
				return 1
			}
			data = data[n:]
		}
	}
	return 0
}

// floodMain writes, as fast as it can, floodPayload of each phase listed in
// floodEnv to stdout, followed by floodMarker on stderr. Before each phase
// but the first it waits for a byte (or EOF) on stdin.
func floodMain() int {
	for i, f := range strings.Split(os.Getenv(floodEnv), ",") {
		size, err := strconv.Atoi(f)
		if err != nil {
			return 2
		}
		if i > 0 {
			if _, err := os.Stdin.Read(make([]byte, 1)); err != nil && !errors.Is(err, io.EOF) {
				return 1
			}
		}
		buf := make([]byte, 128<<10)
		if _, err := io.CopyBuffer(os.Stdout, floodPayload(i, size), buf); err != nil {
			return 1
		}
		if _, err := os.Stderr.WriteString(floodMarker(i)); err != nil {
			return 1
		}
	}
	return 0
}

// repeatMain writes repeatPiece to stdout, as fast as it can, until it has
// written the number of bytes in repeatEnv (rounded up to whole pieces).
func repeatMain() int {
	total, err := strconv.ParseInt(os.Getenv(repeatEnv), 10, 64)
	if err != nil {
		return 2
	}
	piece := repeatPiece()
	for n := int64(0); n < total; n += int64(len(piece)) {
		if _, err := os.Stdout.Write(piece); err != nil {
			return 1
		}
	}
	return 0
}

// repeatPiece is what a repeat child writes again and again: 128 KiB.
func repeatPiece() []byte { return randomBytes(11, 128<<10) }

// floodPayload is what a flood child writes to stdout in phase i: size
// deterministic pseudo-random bytes, as a stream.
func floodPayload(i, size int) io.Reader {
	var key [32]byte
	key[0] = byte(100 + i)
	return io.LimitReader(rand.NewChaCha8(key), int64(size))
}

// floodMarker is what a flood child writes to stderr after phase i.
func floodMarker(i int) string { return fmt.Sprintf("phase %d done\n", i) }

// child is a running test binary acting as a service child.
type child struct {
	stdin  *os.File      // write end of the child's stdin
	exited chan struct{} // closed once the child is reaped and err set
	err    error         // cmd.Wait's result
}

// startChild runs the test binary as a child in mode with the given write
// ends as stdout and stderr, which it then closes in the parent. The child is
// killed and reaped at the end of the test if it is still running.
func startChild(t testing.TB, mode string, stdout, stderr *os.File, env ...string) *child {
	t.Helper()
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// A race-enabled child would otherwise sleep 1s before exiting.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "GORACE="+gorace)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, stdout, stderr
	err = cmd.Start()
	_ = stdinR.Close() // the child has its own copies
	_ = stdout.Close()
	_ = stderr.Close()
	if err != nil {
		_ = stdinW.Close()
		t.Fatal(err)
	}
	c := &child{stdin: stdinW, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		_ = stdinW.Close()
		_ = cmd.Process.Kill() // fails harmlessly once the child is reaped
		<-c.exited
	})
	return c
}

// wait waits for the child to exit successfully, within a generous deadline.
func (c *child) wait(t testing.TB) {
	t.Helper()
	select {
	case <-c.exited:
		if c.err != nil {
			t.Fatalf("child: %v", c.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the child did not finish")
	}
}

// childPayload is what the helper child writes to st: a single 1.5 MiB
// "line", 1 MiB of binary data (every byte value, NULs and invalid UTF-8
// included) and a final line without a newline.
func childPayload(st Stream) []byte {
	long := bytes.ReplaceAll(randomBytes(uint64(10+st), 3<<19), []byte{'\n'}, []byte{'x'})
	out := append(long, '\n')
	out = append(out, randomBytes(uint64(20+st), 1<<20)...)
	return append(out, fmt.Sprintf("partial %s line", st)...)
}

// randomBytes returns n deterministic pseudo-random bytes.
func randomBytes(seed uint64, n int) []byte {
	var key [32]byte
	key[0] = byte(seed)
	key[1] = byte(seed >> 8)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b)
	return b
}

// bothModes runs test as subtests: with the Sink's own reader goroutines
// (p == nil), and with a new Poller (skipped where there is none).
func bothModes(t *testing.T, test func(t *testing.T, p *Poller)) {
	t.Helper()
	t.Run("goroutines", func(t *testing.T) { test(t, nil) })
	t.Run("poller", func(t *testing.T) { test(t, newTestPoller(t)) })
}

// newTestPoller returns a new Poller logging to the test's output, or skips
// the test where there is none. It is closed at the end of the test, after
// the Sinks opened after it.
func newTestPoller(t testing.TB) *Poller {
	t.Helper()
	p, err := NewPoller(slog.New(slog.NewTextHandler(t.Output(), nil)))
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Poller.Close: %v", err)
		}
	})
	return p
}

// readerGoroutines is how many goroutines a Sink's pair of pipes costs:
// two readers of its own, none with a Poller.
func readerGoroutines(p *Poller) int {
	if p != nil {
		return 0
	}
	return 2
}

// openSink opens a Sink in a new temporary directory; it is closed at the end
// of the test.
func openSink(t testing.TB, opts Options) *Sink {
	t.Helper()
	return openWrapped(t, opts, nil)
}

func openWrapped(t testing.TB, opts Options, wrap wrapFunc) *Sink {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "svc")
	}
	s, err := open(opts, wrap)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// pipes returns new write ends and closes them at the end of the test.
func pipes(t testing.TB, s *Sink) (stdout, stderr *os.File) {
	t.Helper()
	stdout, stderr, err := s.Pipes()
	if err != nil {
		t.Fatalf("Pipes: %v", err)
	}
	t.Cleanup(func() {
		_ = stdout.Close()
		_ = stderr.Close()
	})
	return stdout, stderr
}

func mustWrite(t testing.TB, f *os.File, p []byte) {
	t.Helper()
	if _, err := f.Write(p); err != nil {
		t.Fatalf("write %s: %v", f.Name(), err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitWritten waits until st's BytesWritten reaches n.
func waitWritten(t testing.TB, s *Sink, st Stream, n uint64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d bytes written to %s", n, st), func() bool {
		return s.Stats().Stream(st).BytesWritten >= n
	})
}

// backups returns the names of st's rotated files in dir, oldest first.
func backups(t testing.TB, dir string, st Stream) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, st.String()+"-") && (strings.HasSuffix(n, ".log") || strings.HasSuffix(n, ".log.gz")) {
			names = append(names, n)
		}
	}
	slices.Sort(names) // the timestamp format sorts chronologically
	return names
}

// readLogs returns everything logged for st: the backups, decompressed,
// oldest first, then the live file.
func readLogs(t testing.TB, dir string, st Stream) []byte {
	t.Helper()
	var all []byte
	for _, n := range append(backups(t, dir, st), st.String()+".log") {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(n, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", n, err)
			}
		}
		all = append(all, b...)
	}
	return all
}

// openLogs returns everything logged for st, like readLogs, as a stream;
// backups must not be compressed. The files are closed at the end of the
// test.
func openLogs(t testing.TB, dir string, st Stream) io.Reader {
	t.Helper()
	var files []io.Reader
	for _, n := range append(backups(t, dir, st), st.String()+".log") {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Close() })
		files = append(files, f)
	}
	return io.MultiReader(files...)
}

// checkSameStream fails the test unless got yields exactly the bytes of want.
// It compares piece by piece, so that no large buffers are needed.
func checkSameStream(t testing.TB, what string, got, want io.Reader) {
	t.Helper()
	const piece = 1 << 20
	g, w := make([]byte, piece), make([]byte, piece)
	for off := 0; ; off += piece {
		gn, gerr := io.ReadFull(got, g)
		wn, werr := io.ReadFull(want, w)
		for _, err := range []error{gerr, werr} {
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%s: %v", what, err)
			}
		}
		n := min(gn, wn)
		if i := firstDiff(g[:n], w[:n]); i < n {
			t.Errorf("%s: first difference at byte %d", what, off+i)
			return
		}
		if gn != wn {
			t.Errorf("%s: %d bytes, want %d", what, off+gn, off+wn)
			return
		}
		if gn < piece { // both ended
			return
		}
	}
}

// checkMode fails unless path has exactly the permission bits want.
func checkMode(t testing.TB, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}

// goroutineStacks returns the stack dumps of all goroutines.
func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// countGoroutines counts the goroutines whose stack dump contains any of
// the strings in.
func countGoroutines(in ...string) int {
	count := 0
	for _, g := range goroutineStacks() {
		if slices.ContainsFunc(in, func(s string) bool { return strings.Contains(g, s) }) {
			count++
		}
	}
	return count
}

// sinkGoroutines counts the goroutines running the Sink's own code: pipe
// readers and stream writers.
func sinkGoroutines() int {
	return countGoroutines("logsink.(*Sink).read(", "logsink.(*streamWriter).run(")
}

// packageGoroutines counts the goroutines running this package's code (or
// started by it), the tests' own excepted.
func packageGoroutines() int {
	count := 0
	for _, g := range goroutineStacks() {
		if strings.Contains(g, "supers/logsink.") && !strings.Contains(g, "logsink.Test") &&
			!strings.Contains(g, "logsink.Benchmark") {
			count++
		}
	}
	return count
}

// pollerGoroutines counts the goroutines of Pollers.
func pollerGoroutines() int {
	return countGoroutines("logsink.(*Poller).run(")
}

// parkedReaders counts the pipe readers, and Pollers, waiting in the
// runtime's netpoller for their descriptors to become readable.
func parkedReaders() int {
	count := 0
	for _, g := range goroutineStacks() {
		if (strings.Contains(g, "logsink.(*Sink).read(") || strings.Contains(g, "logsink.(*Poller).run(")) &&
			strings.Contains(g, " [IO wait") {
			count++
		}
	}
	return count
}

// millGoroutines counts lumberjack's goroutines, one per Logger that
// opened a file, until its Sink is closed.
func millGoroutines() int {
	return countGoroutines("(*Logger).millRun(")
}

// errorLog collects OnError calls.
type errorLog struct {
	mu   sync.Mutex
	errs map[Stream][]error
}

func (l *errorLog) onError(st Stream, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.errs == nil {
		l.errs = make(map[Stream][]error)
	}
	l.errs[st] = append(l.errs[st], err)
}

// has reports whether an error matching target was reported for st.
func (l *errorLog) has(st Stream, match func(error) bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.errs[st], match)
}

// q returns the stream's queue.
func (w *streamWriter) q() *queue { return &w.queue }

const (
	// childSinkMode makes the test binary open a Sink on the directory
	// sinkDirEnv names and write sinkFirstLine to its stdout.
	childSinkMode = "sink"
	sinkDirEnv    = "LOGSINK_TEST_SINK_DIR"
	sinkFirstLine = "first line\n"
)

// sinkMain is the child of childSinkMode.
func sinkMain() int {
	s, err := Open(Options{Dir: os.Getenv(sinkDirEnv)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	stdout, stderr, err := s.Pipes()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, err = stdout.WriteString(sinkFirstLine)
	_ = stdout.Close()
	_ = stderr.Close()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// childLockMode makes the test binary lock the directory sinkDirEnv
// names, say "locked", and hold the lock until its stdin closes.
const childLockMode = "lock"

// lockMain is the child of childLockMode.
func lockMain() int {
	f, err := os.Open(os.Getenv(sinkDirEnv))
	if err == nil {
		err = flock.TryLock(f)
	}
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}
