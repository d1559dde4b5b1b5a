//go:build unix

package logsink

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
)

// starvedOpen makes the write that has lumberjack open the new live file
// after a rotation (the write of nothing) find no free descriptor, once.
type starvedOpen struct {
	io.WriteCloser
	armed atomic.Bool
}

func (s *starvedOpen) Write(p []byte) (int, error) {
	if len(p) != 0 || !s.armed.Swap(false) {
		return s.WriteCloser.Write(p)
	}
	var fillers []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				panic(err)
			}
			break
		}
		fillers = append(fillers, f)
	}
	defer func() {
		for _, f := range fillers {
			_ = f.Close()
		}
	}()
	return s.WriteCloser.Write(p)
}

// A rotation whose new live file lumberjack cannot open (no descriptor
// left) keeps the file just rotated: lumberjack then moves the new live
// file to a backup name of the current millisecond, which was the name the
// rotation had just given the old file, and the whole rotated file was
// lost.
//
// It changes RLIMIT_NOFILE, which is process-wide: it must not run in
// parallel with other tests.
func TestRotationWithoutDescriptorKeepsBackup(t *testing.T) {
	lowerNoFile(t)

	var starved *starvedOpen
	dir := filepath.Join(t.TempDir(), "svc")
	s := openWrapped(t, Options{Dir: dir}, func(st Stream, w io.WriteCloser) io.WriteCloser {
		if st != Stdout {
			return w
		}
		starved = &starvedOpen{WriteCloser: w}
		return starved
	})
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("rotated\n"))
	waitWritten(t, s, Stdout, 8)

	// All descriptors taken but one, before the rotation: the wrapper
	// takes those the rotation frees at once, so that the write follows
	// the rotation within the same millisecond, as it does in production.
	fillers := exhaustDescriptors(t)
	_ = fillers[len(fillers)-1].Close()
	fillers = fillers[:len(fillers)-1]
	starved.armed.Store(true)
	err := s.Rotate() // fails: the new file cannot be opened
	for _, f := range fillers {
		_ = f.Close()
	}
	t.Logf("Rotate: %v", err)
	if starved.armed.Load() {
		t.Fatal("the rotation did not open the new file")
	}
	b := backups(t, dir, Stdout)
	if len(b) != 1 {
		t.Fatalf("backups %v; want the one rotated", b)
	}
	if got, err := os.ReadFile(filepath.Join(dir, b[0])); err != nil || string(got) != "rotated\n" {
		t.Errorf("%s: %q, %v; want %q", b[0], got, err, "rotated\n")
	}
	if got, err := os.ReadFile(filepath.Join(dir, "stdout.log")); err != nil || len(got) != 0 {
		t.Errorf("stdout.log: %q, %v; want it empty", got, err)
	}
}
