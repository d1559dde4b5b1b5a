//go:build linux

package process

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// supplementaryGroups are those the "groups" helper is started with.
var supplementaryGroups = []uint32{4242, 4343}

// statusGroups returns the supplementary groups in the Groups line of a
// /proc/PID/status text.
func statusGroups(status string) ([]string, bool) {
	for line := range strings.Lines(status) {
		if rest, ok := strings.CutPrefix(line, "Groups:"); ok {
			return strings.Fields(rest), true
		}
	}
	return nil, false
}

// groupsHelper runs, as root with supplementaryGroups, a child with a
// Group and no User, and prints the supplementary groups the child has
// ("GROUPS 1 2") or a failure.
func groupsHelper() int {
	fail := func(format string, args ...any) int {
		fmt.Printf("FAIL: "+format+"\n", args...)
		return 1
	}
	own, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fail("%v", err)
	}
	if g, _ := statusGroups(string(own)); len(g) == 0 {
		return fail("the helper has no supplementary groups: %s", own)
	}
	m, err := NewManager(Options{})
	if err != nil {
		return fail("NewManager: %v", err)
	}
	defer m.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return fail("pipe: %v", err)
	}
	defer r.Close()
	exited := make(chan Exit, 1)
	_, err = m.Start(Spec{Argv: []string{"/bin/cat", "/proc/self/status"}, Group: "54322", Stdout: w},
		func(e Exit) { exited <- e })
	w.Close()
	if err != nil {
		return fail("Start: %v", err)
	}
	var status strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		status.WriteString(sc.Text() + "\n")
	}
	select {
	case e := <-exited:
		if e.Code != 0 {
			return fail("cat: %v", e)
		}
	case <-time.After(deadline):
		return fail("no exit callback")
	}
	groups, ok := statusGroups(status.String())
	if !ok {
		return fail("no Groups line in the child's status: %q", status.String())
	}
	fmt.Println("GROUPS", strings.Join(groups, " "))
	return 0
}

// A child given a Group and no User does not keep the supplementary
// groups of the supervisor (root's, such as disk or adm when superd runs
// from a root shell): it gets none, as under systemd, whose manager has
// none to pass on.
func TestGroupWithoutUserDropsSupplementaryGroups(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	cmd := runHelper(t, "groups")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 0, Groups: supplementaryGroups}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	line, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "GROUPS")
	if !ok {
		t.Fatalf("helper output %q", out)
	}
	if groups := strings.Fields(line); len(groups) != 0 {
		t.Errorf("supplementary groups of the child %q, want none (the supervisor has %v)", groups, supplementaryGroups)
	}
}
