//go:build unix

package process

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"syscall"
)

// Check reports what would make a start of spec fail before its program
// runs, as far as the files and the user database tell without starting
// it: a working directory that is missing, not a directory or not
// searchable by the service's user; a program not found (in the PATH of
// spec.Env for a bare name), not a regular file, not executable by the
// service's user, in no format this system runs (a script without a #!
// line, a program built for a machine this kernel does not run), or whose
// #! interpreter or ELF loader is missing, not executable by the service's
// user or under a directory it may not search; a User= or Group= that does
// not resolve, or that this process may not switch to.
// Its files are looked at as a start's are (see probes): a file system
// that does not answer within the start's bound fails the check with
// [ErrNoAnswer] instead of holding the caller. Every error is an
// *[ExecError]. spec.Stdout, Stderr and UMask are not looked at.
func (m *Manager) Check(spec Spec) error {
	return checkStart(&m.probes, spec)
}

// CheckStart is [Manager.Check] for a program without a Manager (a
// one-shot check of a configuration).
func CheckStart(spec Spec) error {
	return checkStart(&probes{wait: probeWait, hung: make(map[string]chan struct{})}, spec)
}

func checkStart(p *probes, spec Spec) error {
	cmd, err := p.prepare(spec) // the working directory, the PATH lookup
	if err != nil {
		return err
	}
	cred, err := resolveCredential(spec.User, spec.Group, os.Geteuid(), os.Getegid())
	if err != nil {
		return err
	}
	if cred == nil {
		cred = ownCred()
	}
	if spec.Dir != "" && !searchable(spec.Dir, cred) {
		return &ExecError{Op: "chdir", Path: spec.Dir, Err: fmt.Errorf("%w (the service's user may not enter it)", syscall.EACCES)}
	}
	// prepare has looked at the program within its bound, so these looks
	// should find it answer; if its mount hangs since, the checks of that
	// program fail at once until the look ends, as prepare's do.
	var cerr error
	if !p.look("check\x00"+cmd.Path, func() { cerr = checkProgram(cmd.Path, cred) }) {
		return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%w within %v (a hung network or FUSE mount?)", ErrNoAnswer, p.wait)}
	}
	return cerr
}

// checkProgram reports why path could not be executed by a process with
// cred, judging by permission bits (ACLs aside), as execve would.
func checkProgram(path string, cred *syscall.Credential) error {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		if dir := unreachable(path, cred); dir != "" {
			return &ExecError{Op: "exec", Path: path, Err: fmt.Errorf("%w (the service's user may not search the directory %q)", syscall.EACCES, dir)}
		}
		return &ExecError{Op: "exec", Path: path, Err: err}
	}
	mode := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		return &ExecError{Op: "exec", Path: path, Err: fmt.Errorf("%w (it is a directory, not a program)", syscall.EACCES)}
	default:
		return &ExecError{Op: "exec", Path: path, Err: fmt.Errorf("%w (not a regular file)", syscall.EACCES)}
	}
	if dir := unreachable(path, cred); dir != "" {
		return &ExecError{Op: "exec", Path: path, Err: fmt.Errorf("%w (the service's user may not search the directory %q)", syscall.EACCES, dir)}
	}
	if !executable(st, cred) {
		return &ExecError{Op: "exec", Path: path, Err: fmt.Errorf("%w (mode %v: not executable by the service's user)", syscall.EACCES, mode)}
	}
	if interp, loader := missingInterpreter(path); interp != "" {
		return &ExecError{Op: "exec", Path: path, Err: fmt.Errorf("%s %q: %w", interpreterKind(loader), interp, syscall.ENOENT)}
	}
	if interp, loader, why := deniedInterpreter(path, cred); interp != "" {
		return &ExecError{Op: "exec", Path: path, Err: fmt.Errorf("%s %q: %w", interpreterKind(loader), interp, why)}
	}
	if why := formatError(path, false); why != "" {
		return &ExecError{Op: "exec", Path: path, Err: fmt.Errorf("%w (%s)", syscall.ENOEXEC, why)}
	}
	return nil
}

// executable reports whether a process with cred may execute a file of
// st's owner, group and mode: root if anyone may, others by the bit of
// their class.
func executable(st syscall.Stat_t, cred *syscall.Credential) bool {
	if cred.Uid == 0 {
		return st.Mode&0o111 != 0
	}
	if st.Uid == cred.Uid {
		return st.Mode&0o100 != 0
	}
	if groups, _ := credGroups(cred); slices.Contains(groups, st.Gid) {
		return st.Mode&0o010 != 0
	}
	return st.Mode&0o001 != 0
}
