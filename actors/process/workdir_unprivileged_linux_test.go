package process

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// workdirEnv names, for the "workdir-unprivileged" helper, the working
// directory it starts /bin/true in.
const workdirEnv = "SUPERS_PROCESS_TEST_WORKDIR"

// workdirUnprivilegedHelper runs a Manager as the user it was started as
// (not root), starts /bin/true without User= in the directory workdirEnv
// names, and prints the Op, Path and text of the start's and the check's
// errors, one line each ("START chdir /dir: text", "CHECK ..."), or a
// failure.
func workdirUnprivilegedHelper() int {
	fail := func(format string, args ...any) int {
		fmt.Printf("FAIL: "+format+"\n", args...)
		return 1
	}
	m, err := NewManager(Options{Logger: discardLogger()})
	if err != nil {
		return fail("NewManager: %v", err)
	}
	defer m.Close()
	spec := Spec{Argv: []string{"/bin/true"}, Dir: os.Getenv(workdirEnv)}
	show := func(what string, err error) {
		var ee *ExecError
		if !errors.As(err, &ee) {
			fmt.Printf("%s none %v\n", what, err)
			return
		}
		fmt.Printf("%s %s %s %s\n", what, ee.Op, ee.Path, strconv.Quote(err.Error()))
	}
	_, err = m.Start(spec, func(Exit) {})
	show("START", err)
	show("CHECK", m.Check(spec))
	return 0
}

// A superd that is not root, starting a service without User= in a
// working directory it may not enter, is told the chdir failed, naming the
// directory, as its check says, not that /bin/true may not be executed: the
// child keeps superd's own credentials, which the error is judged by.
func TestWorkingDirectoryForbiddenToUnprivilegedSupervisor(t *testing.T) {
	nobody := asRootWithNobody(t)
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	// Not under t.TempDir, whose parent only root may search: the helper
	// runs as nobody, from a copy of the test binary it may execute.
	dir := searchableTempDir(t, "workdir-unprivileged", nil)
	private := filepath.Join(dir, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "process.test")
	if err := copyFile(os.Args[0], bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=workdir-unprivileged", workdirEnv+"="+private)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	for _, what := range []string{"START", "CHECK"} {
		want := what + " chdir " + private + " "
		if !strings.Contains(string(out), want) || !strings.Contains(string(out), "permission denied") {
			t.Errorf("helper output:\n%s\nwant a line starting %q, the EACCES of the working directory", out, want)
		}
	}
}

// copyFile copies the file src to a new file dst of mode perm.
func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
