//go:build linux

package process

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// isSubreaper reports whether this process is a child subreaper.
func isSubreaper() (bool, error) {
	var v int32
	err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&v)), 0, 0, 0)
	return v != 0, err
}

// twoSubreapersHelper checks, in a process of its own, that a second
// subreaper Manager is refused while one runs (it would give the role up
// under the first when closed), and so is a Manager without the role (the
// subreaper would reap its children: it saw its exits with status -1),
// that a subreaper one is refused while another Manager runs, and that
// the role can be taken again once given back.
func twoSubreapersHelper() int {
	check := func() error {
		first, err := NewManager(Options{Subreaper: true, Logger: discardLogger()})
		if err != nil {
			return fmt.Errorf("first: %w", err)
		}
		if second, err := NewManager(Options{Subreaper: true, Logger: discardLogger()}); !errors.Is(err, ErrSubreaperInUse) {
			if second != nil {
				second.Close()
			}
			return fmt.Errorf("second subreaper Manager: %v, want ErrSubreaperInUse", err)
		}
		if plain, err := NewManager(Options{Logger: discardLogger()}); !errors.Is(err, ErrSubreaperInUse) {
			if plain != nil {
				plain.Close()
			}
			return fmt.Errorf("Manager beside a subreaper one: %v, want ErrSubreaperInUse", err)
		}
		if on, err := isSubreaper(); err != nil || !on {
			return fmt.Errorf("after the other Managers: subreaper %v, %v; want still on", on, err)
		}
		if err := first.Close(); err != nil {
			return fmt.Errorf("first Close: %w", err)
		}
		if on, _ := isSubreaper(); on {
			return errors.New("still a subreaper after the first Close")
		}
		plain, err := NewManager(Options{Logger: discardLogger()})
		if err != nil {
			return fmt.Errorf("plain, once the subreaper closed: %w", err)
		}
		if sub, err := NewManager(Options{Subreaper: true, Logger: discardLogger()}); !errors.Is(err, ErrSubreaperInUse) {
			if sub != nil {
				sub.Close()
			}
			return fmt.Errorf("subreaper Manager beside another: %v, want ErrSubreaperInUse", err)
		}
		if err := plain.Close(); err != nil {
			return fmt.Errorf("plain Close: %w", err)
		}
		again, err := NewManager(Options{Subreaper: true, Logger: discardLogger()})
		if err != nil {
			return fmt.Errorf("again: %w", err)
		}
		defer again.Close()
		if on, err := isSubreaper(); err != nil || !on {
			return fmt.Errorf("again: subreaper %v, %v", on, err)
		}
		return nil
	}
	if err := check(); err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	fmt.Println("TWO SUBREAPERS OK")
	return 0
}

func TestOneSubreaperManagerAtATime(t *testing.T) {
	out, err := runHelper(t, "twosubreapers").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "TWO SUBREAPERS OK") {
		t.Fatalf("helper: %v\n%s", err, out)
	}
}
