package logsink

import (
	"os"
	"testing"
)

// TestRemovedFileLeavesNoEmptyFirstLine checks that when the live file,
// whose last line the previous process left unfinished, is removed by
// hand before the next process writes, the new file starts with the next
// process's output: not with the newline that would have ended a line
// that is gone (an empty first line, without a stamp with Timestamps).
func TestRemovedFileLeavesNoEmptyFirstLine(t *testing.T) {
	t.Parallel()
	bothStampModes(t, testRemovedFileLeavesNoEmptyFirstLine)
}

func testRemovedFileLeavesNoEmptyFirstLine(t *testing.T, p *Poller, stamps bool) {
	s := openSink(t, Options{Timestamps: stamps, Poller: p})
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("zero\nunfinished"))
	waitFor(t, "the output written", func() bool {
		live, err := os.ReadFile(s.Path(Stdout))
		got, _ := unstamped(live)
		return err == nil && got == "zero\nunfinished"
	})
	if err := os.Remove(s.Path(Stdout)); err != nil {
		t.Fatal(err)
	}
	endWithNextProcess(t, s, stdout, stderr, "next\n")
	live, err := os.ReadFile(s.Path(Stdout))
	if err != nil {
		t.Fatal(err)
	}
	if got, stamped := unstamped(live); got != "next\n" || stamped != stamps {
		t.Errorf("the new file is %q, want %q, stamped: %v", live, "next\n", stamps)
	}
}
