//go:build unix

package process

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// startError maps an error of cmd.Start to an *ExecError. The error of the
// child's set-up and exec is only an errno, which may not say what failed:
// a permission error is put on the working directory when the child's user
// may not enter it, and a missing file on the interpreter of a script whose
// #! line names one that does not exist.
func startError(cmd *exec.Cmd, err error) error {
	switch {
	case errors.Is(err, syscall.EACCES):
		if cmd.Dir != "" && cmd.SysProcAttr != nil && cmd.SysProcAttr.Credential != nil &&
			!searchable(cmd.Dir, cmd.SysProcAttr.Credential) {
			return &ExecError{Op: "chdir", Path: cmd.Dir, Err: syscall.EACCES}
		}
		// execve says EACCES of a directory too: "permission denied"
		// would send the reader to the file's mode.
		if fi, serr := os.Stat(cmd.Path); serr == nil && fi.IsDir() {
			return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%w (it is a directory, not a program)", syscall.EACCES)}
		}
	case errors.Is(err, syscall.ENOENT):
		if interp := missingInterpreter(cmd.Path); interp != "" {
			return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("interpreter %q: %w", interp, syscall.ENOENT)}
		}
	case errors.Is(err, syscall.EBADF):
		// From fork/exec, that is from the child moving its descriptors:
		// superd is at its descriptor limit (see descriptorShortage).
		return &ExecError{Op: "fork/exec", Path: cmd.Path, Err: descriptorShortage{}}
	case errors.Is(err, syscall.EAGAIN):
		// fork (or, after the change of user, execve) found no process
		// left to the user or the system: nothing is wrong with the
		// program, which the bare "resource temporarily unavailable"
		// after its path suggests.
		return &ExecError{Op: "fork/exec", Path: cmd.Path, Err: fmt.Errorf("%w (the process limit is reached: RLIMIT_NPROC of the service's user, a pids cgroup, or kernel.pid_max)", syscall.EAGAIN)}
	}
	return execError(cmd.Path, err)
}

// missingInterpreter returns the interpreter named by the #! line of the
// file at path if that interpreter does not exist, else "".
func missingInterpreter(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, _ := bufio.NewReaderSize(f, 256).ReadSlice('\n') // what it could read
	rest, ok := strings.CutPrefix(strings.TrimSuffix(string(line), "\n"), "#!")
	if !ok {
		return ""
	}
	// As the kernel reads it: blanks around, then up to the first blank.
	interp, _, _ := strings.Cut(strings.Trim(rest, " \t"), " ")
	interp, _, _ = strings.Cut(interp, "\t")
	if interp == "" {
		return ""
	}
	if _, err := os.Stat(interp); errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) {
		return interp
	}
	return ""
}

// searchable reports whether a process with cred may search dir and every
// directory above it, judging by their permission bits (ACLs aside). It
// says yes when it cannot tell.
func searchable(dir string, cred *syscall.Credential) bool {
	if cred.Uid == 0 {
		return true
	}
	groups := append([]uint32{cred.Gid}, cred.Groups...)
	if cred.NoSetGroups {
		// The child keeps this process's supplementary groups.
		ours, err := os.Getgroups()
		if err != nil {
			return true
		}
		for _, g := range ours {
			groups = append(groups, uint32(g))
		}
	}
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			return true
		}
		var bit uint32
		switch {
		case st.Uid == cred.Uid:
			bit = 0o100
		case slices.Contains(groups, st.Gid):
			bit = 0o010
		default:
			bit = 0o001
		}
		if uint32(st.Mode)&bit == 0 {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}
