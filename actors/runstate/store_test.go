package runstate

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/process"
)

// testLogger sends log records to the test log.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// termAfter is the StopPolicy of services that all stop as by default:
// SIGTERM, then SIGKILL after grace.
func termAfter(grace time.Duration) StopPolicy {
	return func(string) Stop { return Stop{Signal: "SIGTERM", Grace: grace} }
}

// testWriter writes to the test log.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// statePath returns the path of a state file in a new temporary directory.
func statePath(tb testing.TB) string {
	return filepath.Join(tb.TempDir(), "superd.state")
}

// opened holds the last Store open opened on each path.
var opened sync.Map

// open opens the store at path, failing the test on error. A test opens a
// path again to play a restarted superd: the Store opened before on that
// path gives up its lock first (it can still write, as a crashed superd's
// last write could land).
func open(tb testing.TB, path string) (*Store, State) {
	tb.Helper()
	if prev, ok := opened.Load(path); ok {
		_ = prev.(*Store).Close()
	}
	s, st, err := Open(path, testLogger(tb))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	opened.Store(path, s)
	tb.Cleanup(func() { _ = s.Close() })
	return s, st
}

// currentBootID returns the boot id the store writes ("" if unsupported).
func currentBootID(tb testing.TB) string {
	tb.Helper()
	id, err := bootID()
	if errors.Is(err, errors.ErrUnsupported) {
		return ""
	}
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// ownedByThisProcess returns st with the owner fields a Store of this
// process writes (State.OwnerPID).
func ownedByThisProcess(st State) State {
	st.OwnerPID = os.Getpid()
	if start, err := process.ProcStartTime(st.OwnerPID); err == nil {
		st.OwnerStartTime = start
	}
	return st
}

// readFile returns the state in the file at path.
func readFile(tb testing.TB, path string) State {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := decode(b)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// TestOpenMissingFile checks that Open starts an empty state and writes the
// new marker at once.
func TestOpenMissingFile(t *testing.T) {
	path := statePath(t)
	s, st, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !reflect.DeepEqual(st, State{}) {
		t.Errorf("state = %+v, want empty", st)
	}
	if s.Stopped("web") {
		t.Error(`Stopped("web") = true on an empty store`)
	}
	want := ownedByThisProcess(State{Processes: []Record{}, Stopped: []string{}, BootID: currentBootID(t), Marker: s.marker})
	if got := readFile(t, path); s.marker == "" || !reflect.DeepEqual(got, want) {
		t.Errorf("new file holds %+v, want %+v", got, want)
	}
}

// A state file of a superd from before the tags holds a marker id that
// every service it ran saw in its environment ("ID:NAME"), and may have
// kept: the tags under it would be no secret. Open makes a new id, on disk
// at once, and still returns the old one, for KillStale to find what that
// superd left.
func TestOldMarkerIDIsReplaced(t *testing.T) {
	path := statePath(t)
	const old = "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE"
	if err := os.WriteFile(path, []byte(`{"version": 1, "marker": "`+old+`", "processes": [], "stopped": ["batch"]}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, st := open(t, path)
	if st.Marker != old {
		t.Errorf("state's marker %q, want the old %q for KillStale", st.Marker, old)
	}
	if s.marker == old || !tagged(s.marker) {
		t.Errorf("store's marker %q, want a new tagged one", s.marker)
	}
	if got := readFile(t, path); got.Marker != s.marker || !reflect.DeepEqual(got.Stopped, []string{"batch"}) {
		t.Errorf("file holds %+v, want the new marker %q and the stopped services", got, s.marker)
	}
	// A tagged id is kept.
	_, st2 := open(t, path)
	if st2.Marker != s.marker {
		t.Errorf("marker %q after a second open, want %q kept", st2.Marker, s.marker)
	}
}

// The write of the new marker id keeps the old id and the old records
// until the first write after KillStale: a superd that crashes before it
// leaves its successor what it needs to find what the old superd left.
func TestOldMarkerIDOutlivesACrash(t *testing.T) {
	path := statePath(t)
	const old = "Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE"
	boot := currentBootID(t)
	rec := Record{Service: "web", PID: 4242, PGID: 4242, StartTime: 77}
	file := `{"version": 1, "marker": "` + old + `", "boot_id": "` + boot + `", "processes": [{"service": "web", "pid": 4242, "pgid": 4242, "start_time": 77}], "stopped": []}` + "\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	s, st := open(t, path)
	if st.Marker != old || !reflect.DeepEqual(st.Processes, []Record{rec}) {
		t.Fatalf("state %+v, want the old marker and record", st)
	}
	got := readFile(t, path)
	if got.Marker != s.marker || !reflect.DeepEqual(got.PreviousMarkers, []string{old}) {
		t.Errorf("file after the new id: marker %q, previous %q; want %q and [%s]", got.Marker, got.PreviousMarkers, s.marker, old)
	}
	if boot != "" && !reflect.DeepEqual(got.Processes, []Record{rec}) {
		t.Errorf("file after the new id holds records %+v, want the old %+v", got.Processes, rec)
	}
	// That superd crashes before KillStale: the next one is given both.
	s2, st2 := open(t, path)
	if st2.Marker != s.marker || !reflect.DeepEqual(st2.PreviousMarkers, []string{old}) {
		t.Errorf("state after a crash: marker %q, previous %q; want %q and [%s]", st2.Marker, st2.PreviousMarkers, s.marker, old)
	}
	if boot != "" && !reflect.DeepEqual(st2.Processes, []Record{rec}) {
		t.Errorf("state after a crash: records %+v, want the old %+v", st2.Processes, rec)
	}
	// Its first write, after KillStale, drops them.
	if err := s2.SetStopped("batch", true); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got.PreviousMarkers != nil || len(got.Processes) != 0 {
		t.Errorf("file after the first write holds previous markers %q and records %+v, want none", got.PreviousMarkers, got.Processes)
	}
	// Records of another boot are not carried under this boot's id.
	file = `{"version": 1, "marker": "` + old + `", "boot_id": "3f1c5e0a-0000-4000-8000-000000000000", "processes": [{"service": "web", "pid": 4242, "pgid": 4242, "start_time": 77}], "stopped": []}` + "\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	open(t, path)
	if got := readFile(t, path); len(got.Processes) != 0 || !reflect.DeepEqual(got.PreviousMarkers, []string{old}) {
		t.Errorf("file after the new id, old records of another boot: %+v, want the old id only", got)
	}
}

func TestMarker(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	id := s.marker
	if got, want := s.Marker("web"), markerTag(id, "web")+":web"; got != want || strings.Contains(got, id) {
		t.Errorf(`Marker("web") = %q, want %q, without the id`, got, want)
	}
	if s.Marker("web") == s.Marker("db")[:len(s.Marker("db"))-len("db")]+"web" {
		t.Error("two services' markers have the same tag")
	}
	if err := s.SetStopped("batch", true); err != nil {
		t.Fatal(err)
	}
	s2, st := open(t, path)
	if st.Marker != id || s2.marker != id {
		t.Errorf("marker %q, then %q in the state and %q in the store: it must not change", id, st.Marker, s2.marker)
	}
	other, _ := open(t, statePath(t))
	if other.marker == id {
		t.Error("two state files have the same marker")
	}
}

func TestMarkedService(t *testing.T) {
	const id = "ABCDEF"
	web, db, ab := markerValue(id, "web"), markerValue(id, "db"), markerValue(id, "a:b")
	for _, tc := range []struct {
		env, service string
		ok           bool
	}{
		{"PATH=/bin\x00SUPERD_MARKER=" + web + "\x00HOME=/", "web", true},
		{"SUPERD_MARKER=" + ab, "a:b", true},
		{"SUPERD_MARKER=" + markerValue("OTHER", "web") + "\x00SUPERD_MARKER=" + db + "\x00", "db", true},
		{"SUPERD_MARKER=" + markerValue("OTHER", "web"), "", false},
		// A service's tag with another name: another service's marker
		// forged by one that knows only its own.
		{"SUPERD_MARKER=" + strings.Replace(web, ":web", ":db", 1), "", false},
		{"SUPERD_MARKER=" + strings.TrimSuffix(web, "web"), "", false},
		{"SUPERD_MARKER=" + strings.TrimSuffix(web, ":web"), "", false},
		{"X_SUPERD_MARKER=" + web, "", false},
		{"", "", false},
		// A marker of a superd from before the tags: the id itself.
		{"PATH=/bin\x00SUPERD_MARKER=ABCDEF:web\x00HOME=/", "web", true},
		{"SUPERD_MARKER=OTHER:web", "", false},
	} {
		service, ok := MarkedService([]byte(tc.env), id)
		if service != tc.service || ok != tc.ok {
			t.Errorf("MarkedService(%q) = %q, %v; want %q, %v", tc.env, service, ok, tc.service, tc.ok)
		}
	}
}

func TestOpenUnusableDirectory(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(dir, "missing", "superd.state"),
		filepath.Join(file, "superd.state"),
	} {
		if _, _, err := Open(path, nil); err == nil {
			t.Errorf("Open(%s) succeeded", path)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	web := Record{Service: "web", PID: 100, PGID: 100, StartTime: 12345}
	db := Record{Service: "db", PID: 200, PGID: 200, StartTime: 23456}
	for _, err := range []error{
		s.SetRunning(web),
		s.SetRunning(db),
		s.SetRunning(Record{Service: "cron", PID: 300, PGID: 300}),
		s.ClearRunning("cron"),
		s.ClearRunning("never-ran"),
		s.SetStopped("batch", true),
		s.SetStopped("alpha", true),
		s.SetStopped("gone", true),
		s.SetStopped("gone", false),
		s.SetStopped("never-stopped", false),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !s.Stopped("batch") || s.Stopped("gone") || s.Stopped("web") {
		t.Errorf("Stopped: batch=%v gone=%v web=%v, want true false false",
			s.Stopped("batch"), s.Stopped("gone"), s.Stopped("web"))
	}

	s2, st := open(t, path)
	want := State{
		Processes: []Record{db, web},
		Stopped:   []string{"alpha", "batch"},
		BootID:    currentBootID(t),
		Marker:    s.marker,
	}
	if want = ownedByThisProcess(want); !reflect.DeepEqual(st, want) {
		t.Errorf("reopened state = %+v, want %+v", st, want)
	}
	if !s2.Stopped("batch") || !s2.Stopped("alpha") || s2.Stopped("web") {
		t.Error("reopened store lost the stopped set")
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("file mode %v, want 0600", perm)
		}
	}
}

func TestSetRunningReplaces(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	old := Record{Service: "web", PID: 100, PGID: 100, StartTime: 1}
	cur := Record{Service: "web", PID: 101, PGID: 101, StartTime: 2}
	if err := s.SetRunning(old); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRunning(cur); err != nil {
		t.Fatal(err)
	}
	if _, st := open(t, path); !reflect.DeepEqual(st.Processes, []Record{cur}) {
		t.Errorf("processes = %+v, want [%+v]", st.Processes, cur)
	}
}

func TestSetRunningInvalid(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	for _, r := range []Record{
		{PID: 100, PGID: 100},
		{Service: "web", PID: 0, PGID: 100},
		{Service: "web", PID: 100, PGID: -1},
	} {
		if err := s.SetRunning(r); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("SetRunning(%+v) = %v, want ErrInvalidRecord", r, err)
		}
	}
	if st := readFile(t, path); len(st.Processes) != 0 {
		t.Errorf("invalid records were written: %+v", st.Processes)
	}
}

// TestApply checks that Apply makes a batch of changes in order, skips and
// reports the invalid ones, and rewrites the file only when the state
// changed.
func TestApply(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	a := Record{Service: "a", PID: 100, PGID: 100, StartTime: 1}
	b := Record{Service: "b", PID: 200, PGID: 200, StartTime: 2}
	b2 := Record{Service: "b", PID: 201, PGID: 201, StartTime: 3}
	err := s.Apply(
		Running(a),
		Running(b),
		Running(Record{Service: "bad"}),
		Ended("a"),
		Running(b2),
		Stopped("c", true),
		Stopped("d", true),
		Stopped("d", false),
		Change{},
	)
	if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "bad") || !strings.Contains(err.Error(), "zero Change") {
		t.Errorf("Apply error = %v, want ErrInvalidRecord naming the bad record and the zero Change", err)
	}
	st := readFile(t, path)
	if !reflect.DeepEqual(st.Processes, []Record{b2}) || !reflect.DeepEqual(st.Stopped, []string{"c"}) {
		t.Errorf("state = %+v %v, want [%+v] [c]", st.Processes, st.Stopped, b2)
	}

	before := stat(t, path)
	if err := s.Apply(Running(b2), Ended("a"), Stopped("c", true), Stopped("d", false)); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(stat(t, path), before) {
		t.Error("Apply of changes that change nothing rewrote the file")
	}
	if err := s.Apply(Ended("b")); err != nil {
		t.Fatal(err)
	}
	if os.SameFile(stat(t, path), before) {
		t.Error("Apply of a change did not rewrite the file")
	}
	if st := readFile(t, path); len(st.Processes) != 0 {
		t.Errorf("processes = %+v after Ended, want none", st.Processes)
	}
}

// stat returns the FileInfo of path: each write renames a new file over it,
// so os.SameFile tells whether it was rewritten.
func stat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// TestOpenForgetsPreviousProcesses checks that the previous run's records
// are returned but not carried over, while the stopped set is.
func TestOpenForgetsPreviousProcesses(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	old := Record{Service: "web", PID: 100, PGID: 100, StartTime: 1}
	if err := s.SetRunning(old); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStopped("batch", true); err != nil {
		t.Fatal(err)
	}

	s2, st := open(t, path)
	if !reflect.DeepEqual(st.Processes, []Record{old}) {
		t.Fatalf("previous processes = %+v, want [%+v]", st.Processes, old)
	}
	db := Record{Service: "db", PID: 200, PGID: 200, StartTime: 2}
	if err := s2.SetRunning(db); err != nil {
		t.Fatal(err)
	}
	_, st = open(t, path)
	if !reflect.DeepEqual(st.Processes, []Record{db}) || !reflect.DeepEqual(st.Stopped, []string{"batch"}) {
		t.Errorf("state = %+v, want processes [%+v] and stopped [batch]", st, db)
	}
}

func TestCorruptFile(t *testing.T) {
	for name, content := range map[string]string{
		"empty":          "",
		"garbage":        "\x00\x01not json",
		"truncated":      `{"version": 1, "processes": [{"service": "web", "pid": 1`,
		"trailing data":  `{"version": 1, "processes": [], "stopped": []} {}`,
		"wrong version":  `{"version": 2, "processes": [], "stopped": []}`,
		"no version":     `{"processes": [], "stopped": []}`,
		"wrong types":    `{"version": 1, "processes": {"web": 1}, "stopped": []}`,
		"not an object":  `[1, 2, 3]`,
		"negative start": `{"version": 1, "processes": [{"service": "web", "pid": 1, "pgid": 1, "start_time": -5}]}`,
		"string version": `{"version": "1"}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := statePath(t)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, st := open(t, path)
			if !reflect.DeepEqual(st, State{}) {
				t.Errorf("state = %+v, want empty", st)
			}
			if got := readFile(t, path); got.Marker != s.marker || len(got.Processes) != 0 {
				t.Errorf("new file holds %+v, want only the new marker %s", got, s.marker)
			}
			aside, err := os.ReadFile(path + ".corrupt")
			if err != nil || string(aside) != content {
				t.Errorf("%s.corrupt = %q, %v; want the corrupt content", path, aside, err)
			}
			// The store works normally afterwards.
			if err := s.SetStopped("web", true); err != nil {
				t.Fatal(err)
			}
			if _, st := open(t, path); !reflect.DeepEqual(st.Stopped, []string{"web"}) {
				t.Errorf("stopped after rewrite = %v, want [web]", st.Stopped)
			}
		})
	}
}

func TestOpenRemovesTemporaryFiles(t *testing.T) {
	path := statePath(t)
	dir := filepath.Dir(path)
	leftover := filepath.Join(dir, "superd.state.tmp-12345")
	other := filepath.Join(dir, "other.state.tmp-12345")
	for _, f := range []string{leftover, other} {
		if err := os.WriteFile(f, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	open(t, path)
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover temporary file not removed: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("unrelated file removed: %v", err)
	}
}

// TestWriteLeavesNoTemporaryFile checks that a write cleans up after itself.
func TestWriteLeavesNoTemporaryFile(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	if err := s.SetStopped("web", true); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"superd.state", "superd.state.lock"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %q, want %q", names, want)
	}
}

// TestFailedWriteIsRetried checks that a change whose write failed is kept
// and written by the next successful write.
func TestFailedWriteIsRetried(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "superd.state")
	s, _ := open(t, path)
	// A file where the directory was: no write can succeed (a directory
	// merely gone is made again: TestWriteMakesTheDirectoryAgain).
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	web := Record{Service: "web", PID: 100, PGID: 100, StartTime: 1}
	if err := s.SetRunning(web); err == nil {
		t.Fatal("SetRunning succeeded without a directory")
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStopped("batch", true); err != nil {
		t.Fatal(err)
	}
	if _, st := open(t, path); !reflect.DeepEqual(st.Processes, []Record{web}) {
		t.Errorf("processes = %+v, want [%+v]", st.Processes, web)
	}
}

// The state file's directory removed (with the socket, by a cleaner of
// old files) is made again by the next write, mode 0750, with the file and
// its lock: a write used to fail until someone made it, and a superd that
// crashed meanwhile left its successor no record of its processes.
func TestWriteMakesTheDirectoryAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "super")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "superd.state")
	s, _ := open(t, path)
	if err := os.RemoveAll(filepath.Dir(dir)); err != nil {
		t.Fatal(err)
	}
	web := Record{Service: "web", PID: 100, PGID: 100, StartTime: 1}
	if err := s.SetRunning(web); err != nil {
		t.Fatalf("SetRunning once the directory is gone: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("state directory made again: %v, %v; want mode 0750", fi, err)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Errorf("lock file: %v", err)
	}
	if !s.RemadeDir() || s.RemadeDir() {
		t.Error("RemadeDir does not tell, once, that a write made the directory again")
	}
	if _, st := open(t, path); !reflect.DeepEqual(st.Processes, []Record{web}) {
		t.Errorf("processes = %+v, want [%+v]", st.Processes, web)
	}
}

func TestConcurrentUse(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("svc%d", i)
			if err := s.SetRunning(Record{Service: name, PID: 100 + i, PGID: 100 + i, StartTime: 1}); err != nil {
				t.Error(err)
			}
			if err := s.SetStopped(name, true); err != nil {
				t.Error(err)
			}
			_ = s.Stopped(name)
		})
	}
	wg.Wait()
	_, st := open(t, path)
	if len(st.Processes) != n || len(st.Stopped) != n {
		t.Errorf("state has %d processes and %d stopped, want %d each", len(st.Processes), len(st.Stopped), n)
	}
}

// BenchmarkSetRunning measures a durable write of a state file holding 20
// services.
func BenchmarkSetRunning(b *testing.B) {
	s, _, err := Open(statePath(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		if err := s.SetRunning(Record{Service: fmt.Sprintf("svc%02d", i), PID: 1000 + i, PGID: 1000 + i, StartTime: 99}); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		// Alternate the pid: an unchanged record is not rewritten.
		if err := s.SetRunning(Record{Service: "svc00", PID: 2000 + i%2, PGID: 2000 + i%2, StartTime: 99}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestOpenLocksTheStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "superd.state")
	a, _, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(path, nil); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open: %v, want ErrInUse", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, _, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = b.Close()
}

// Restore writes the file again only when the path no longer names the
// file last written.
func TestRestore(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	defer s.Close()
	if err := s.SetStopped("web", true); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if wrote, err := s.Restore(); wrote || err != nil {
		t.Fatalf("Restore of the file in place: %v, %v; want no write", wrote, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if wrote, err := s.Restore(); !wrote || err != nil {
		t.Fatalf("Restore of a removed file: %v, %v; want a write", wrote, err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("restored file %q (%v), want %q", got, err, want)
	}
	if wrote, _ := s.Restore(); wrote {
		t.Error("Restore wrote the restored file again")
	}
}
