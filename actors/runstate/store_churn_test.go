package runstate

import (
	"os"
	"testing"
)

// TestApplyNetUnchangedNotRewritten: a batch whose changes cancel out (a
// crash-looping service started and exited again between two writes) leaves
// the file as it is: unchanged state is not rewritten, two fsyncs and a
// file of every service's record for nothing.
func TestApplyNetUnchangedNotRewritten(t *testing.T) {
	path := statePath(t)
	s, _ := open(t, path)
	if err := s.Apply(Running(Record{Service: "web", PID: 100, PGID: 100, StartTime: 1})); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	crash := Record{Service: "crash", PID: 200, PGID: 200, StartTime: 2}
	if err := s.Apply(Running(crash), Ended("crash"), Stopped("web", true), Stopped("web", false)); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("the state file was rewritten by changes that cancel out")
	}
	// A real change is still written, and so is a state that differs from
	// the file again after a failed write (see TestFailedWriteIsRetried).
	if err := s.Apply(Running(crash)); err != nil {
		t.Fatal(err)
	}
	if st := readFile(t, path); len(st.Processes) != 2 {
		t.Errorf("processes = %+v, want web and crash", st.Processes)
	}
}
