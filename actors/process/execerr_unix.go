//go:build unix

package process

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"

	"github.com/supers-dev/supers/config/pathsafe"
)

// startError maps an error of cmd.Start to an *ExecError. The error of the
// child's set-up and exec is only an errno, which may not say what failed:
// a permission error is put on the working directory when the child's user
// (this process's own when the child keeps it) may not enter it, on a
// directory on the way to the program (behind its symbolic links) that it
// may not search, or on the #! interpreter or the dynamic loader it may not
// execute or reach; a missing file on the interpreter of a script whose
// #! line names one that does not exist, or on the dynamic loader of a
// program built for another system (another libc, another word size).
func startError(cmd *exec.Cmd, err error) error {
	switch {
	case errors.Is(err, syscall.EACCES):
		cred := childCred(cmd)
		if cmd.Dir != "" && !searchable(cmd.Dir, cred) {
			return &ExecError{Op: "chdir", Path: cmd.Dir, Err: syscall.EACCES}
		}
		// A directory on the way to the program, rather than the
		// program's mode.
		if dir := unreachable(cmd.Path, cred); dir != "" {
			return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%w (the service's user may not search the directory %q)", syscall.EACCES, dir)}
		}
		// execve says EACCES of a directory too: "permission denied"
		// would send the reader to the file's mode.
		var st syscall.Stat_t
		serr := syscall.Stat(cmd.Path, &st)
		if serr == nil && st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
			return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%w (it is a directory, not a program)", syscall.EACCES)}
		}
		// A program the user may execute, whose interpreter it may not
		// (a #! line naming one under a private directory, say).
		if serr == nil && executable(st, cred) {
			if interp, loader, why := deniedInterpreter(cmd.Path, cred); interp != "" {
				return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%s %q: %w", interpreterKind(loader), interp, why)}
			}
		}
	case errors.Is(err, syscall.ENOENT):
		if interp, loader := missingInterpreter(cmd.Path); interp != "" {
			return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%s %q: %w", interpreterKind(loader), interp, syscall.ENOENT)}
		}
	case errors.Is(err, syscall.ENOEXEC):
		if why := formatError(cmd.Path, true); why != "" {
			return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%w (%s)", syscall.ENOEXEC, why)}
		}
	case errors.Is(err, syscall.ETXTBSY):
		// A deployment that copies the new program over the old one in
		// place (cp, not a rename): the next try may find it done.
		return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%w (the program is open for writing: being replaced in place?)", syscall.ETXTBSY)}
	case errors.Is(err, syscall.E2BIG):
		return &ExecError{Op: "exec", Path: cmd.Path, Err: fmt.Errorf("%w (%s)", syscall.E2BIG, argumentsTooLong(cmd.Args, cmd.Env))}
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

// childCred returns the credentials the child of cmd runs with: those
// cmd sets, or this process's own (its effective user and group, and its
// supplementary groups) when it sets none, as a superd that is not root
// starts a service without User=: the child is refused what this process
// would be.
func childCred(cmd *exec.Cmd) *syscall.Credential {
	if cmd.SysProcAttr != nil && cmd.SysProcAttr.Credential != nil {
		return cmd.SysProcAttr.Credential
	}
	return ownCred()
}

// ownCred returns this process's credentials: its effective user and
// group, its supplementary groups kept (NoSetGroups).
func ownCred() *syscall.Credential {
	return &syscall.Credential{Uid: uint32(os.Geteuid()), Gid: uint32(os.Getegid()), NoSetGroups: true}
}

// missingInterpreter returns the interpreter named by the #! line of the
// file at path, or the dynamic loader (loader true) an ELF program at path
// names (PT_INTERP), if that does not exist; else "".
func missingInterpreter(path string) (interp string, loader bool) {
	interp, loader = programInterpreter(path)
	return missing(interp), loader
}

// interpreterKind names what programInterpreter found: a dynamic loader
// (loader true) or a #! line's interpreter.
func interpreterKind(loader bool) string {
	if loader {
		return "dynamic loader"
	}
	return "interpreter"
}

// deniedInterpreter returns the interpreter the program at path has the
// kernel execute (its #! line's, or its dynamic loader: loader true), or
// that interpreter's own, as deep as the kernel follows them, that a
// process with cred may not execute, judging by permission bits (ACLs
// aside), and why (wrapping EACCES): a directory on the way to it that the
// process may not search, its mode, or it is not a regular file. It
// returns "" if there is none or it cannot tell.
func deniedInterpreter(path string, cred *syscall.Credential) (interp string, loader bool, why error) {
	for range 4 { // BINPRM_MAX_RECURSION: a script's interpreter may be a script
		interp, loader = programInterpreter(path)
		if interp == "" {
			return "", false, nil
		}
		if dir := unreachable(interp, cred); dir != "" {
			return interp, loader, fmt.Errorf("%w (the service's user may not search the directory %q)", syscall.EACCES, dir)
		}
		var st syscall.Stat_t
		if err := syscall.Stat(interp, &st); err != nil {
			return "", false, nil // missing (see missingInterpreter), or cannot tell
		}
		if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
			return interp, loader, fmt.Errorf("%w (not a regular file)", syscall.EACCES)
		}
		if !executable(st, cred) {
			return interp, loader, fmt.Errorf("%w (mode %v: not executable by the service's user)", syscall.EACCES, fs.FileMode(st.Mode&0o777))
		}
		path = interp
	}
	return "", false, nil
}

// programInterpreter returns the interpreter named by the #! line of the
// file at path, or the dynamic loader (loader true) an ELF program at path
// names (PT_INTERP); "" if it names none or cannot be read.
func programInterpreter(path string) (interp string, loader bool) {
	f, ok := openProgram(path) // whatever path names now: see openProgram
	if !ok {
		return "", false
	}
	defer f.Close()
	if interp, ok := elfInterpreter(f); ok {
		return interp, true
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", false
	}
	line, _ := bufio.NewReaderSize(f, 256).ReadSlice('\n') // what it could read
	rest, ok := strings.CutPrefix(strings.TrimSuffix(string(line), "\n"), "#!")
	if !ok {
		return "", false
	}
	// As the kernel reads it: blanks around, then up to the first blank.
	interp, _, _ = strings.Cut(strings.Trim(rest, " \t"), " ")
	interp, _, _ = strings.Cut(interp, "\t")
	return interp, false
}

// argumentsTooLong says what made execve refuse the command line args and
// the environment env with E2BIG: on Linux a single string longer than
// MAX_ARG_STRLEN (32 pages), else their total size (the limit is a
// quarter of the stack's RLIMIT_STACK, at least 128 KiB, at most 6 MiB on
// Linux): the environment (EnvironmentFile=) is as often the cause as
// the command line, which the bare "argument list too long" points to.
func argumentsTooLong(args, env []string) string {
	if runtime.GOOS == "linux" {
		maxLen := 32 * os.Getpagesize()
		for _, kv := range env {
			if len(kv) >= maxLen {
				name, _, _ := strings.Cut(kv, "=")
				return fmt.Sprintf("the variable %s is %d bytes long: a single one may have %d at most", name, len(kv), maxLen-1)
			}
		}
		for i, a := range args {
			if len(a) >= maxLen {
				return fmt.Sprintf("argument %d is %d bytes long: a single one may have %d at most", i, len(a), maxLen-1)
			}
		}
	}
	size := func(ss []string) (n int) {
		for _, s := range ss {
			n += len(s) + 1
		}
		return n
	}
	return fmt.Sprintf("command line %d bytes in %d arguments, environment %d bytes in %d variables: together more than the system takes",
		size(args), len(args), size(env), len(env))
}

// formatError says why execve finds (refused: found) the file at path in
// no format it runs (ENOEXEC), or "" if it cannot tell: a script without
// a #! line, which a shell would run with itself but execve does not; a
// program built for another machine than this process's, unless, before
// a start (not refused), the kernel should run it anyway (in a compat
// mode, or through a binfmt_misc handler such as qemu-user's: see
// kernelRuns; a kernel without that compat mode refuses it, and the
// start's error then names the machine); a file that is neither.
func formatError(path string, refused bool) string {
	f, ok := openProgram(path) // whatever path names now: see openProgram
	if !ok {
		return ""
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte(elf.ELFMAG)):
		ef, err := elf.NewFile(f)
		if err != nil {
			return "a damaged ELF program"
		}
		self, err := elf.Open("/proc/self/exe")
		if err != nil {
			return ""
		}
		defer self.Close()
		if ef.Machine == self.Machine && ef.Class == self.Class || !refused && kernelRuns(ef, head, path) {
			return ""
		}
		switch {
		case ef.Machine != self.Machine:
			return fmt.Sprintf("built for %v, this system runs %v", ef.Machine, self.Machine)
		case ef.Class != self.Class:
			return fmt.Sprintf("built as %v, this system runs %v", ef.Class, self.Class)
		}
		return ""
	case bytes.HasPrefix(head, []byte("#!")):
		return ""
	case bytes.IndexByte(head, 0) >= 0:
		return "neither a program for this system nor a script"
	}
	return "no #! line: a script must name its interpreter"
}

// missing returns path if it names no file, else "".
func missing(path string) string {
	if path == "" {
		return ""
	}
	if _, err := os.Stat(path); errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) {
		return path
	}
	return ""
}

// elfInterpreter returns the dynamic loader the ELF program in f names
// (its PT_INTERP segment); ok is false if f is not an ELF file or names
// none (a static program).
func elfInterpreter(f *os.File) (interp string, ok bool) {
	var magic [len(elf.ELFMAG)]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		return "", false
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return "", false
	}
	for _, p := range ef.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		// A path, NUL-terminated: PATH_MAX at most, as the kernel reads it.
		b, err := io.ReadAll(io.LimitReader(p.Open(), 4096))
		if err != nil {
			return "", false
		}
		name, _, _ := bytes.Cut(b, []byte{0})
		return string(name), true
	}
	return "", false
}

// credGroups returns the groups of a process with cred: its group and
// supplementary groups (this process's, with NoSetGroups); ok is false if
// this process's could not be read (the others are returned).
func credGroups(cred *syscall.Credential) (groups []uint32, ok bool) {
	groups = append([]uint32{cred.Gid}, cred.Groups...)
	if cred.NoSetGroups {
		// The child keeps this process's supplementary groups.
		ours, err := os.Getgroups()
		if err != nil {
			return groups, false
		}
		for _, g := range ours {
			groups = append(groups, uint32(g))
		}
	}
	return groups, true
}

// searchable reports whether a process with cred may search dir and every
// directory the kernel searches to reach it, judging by their permission
// bits (ACLs aside). It says yes when it cannot tell.
func searchable(dir string, cred *syscall.Credential) bool {
	return unsearchable(dir, cred) == ""
}

// unsearchable returns the first directory a process with cred may not
// search, judging by their permission bits (ACLs aside), of those the
// kernel searches to reach dir and dir itself, or "" if there is none or
// it cannot tell. The directories are those the kernel resolves the path
// through, behind its symbolic links (see deniedSearch), not the names
// written in it: a link whose target is under a directory the user may
// not search makes the path unusable although every directory named in it
// is open.
func unsearchable(dir string, cred *syscall.Credential) string {
	return deniedSearch(dir, true, cred)
}

// unreachable returns the first directory a process with cred may not
// search, judging by their permission bits (ACLs aside), of those the
// kernel searches to reach the file at path (behind its symbolic links,
// the last name's too), or "" if there is none or it cannot tell.
func unreachable(path string, cred *syscall.Credential) string {
	return deniedSearch(path, false, cred)
}

// deniedSearch is unsearchable (enter true: path is a directory to enter)
// and unreachable (enter false). The directories are those pathsafe.Walk
// resolves path through, in the kernel's order: each one a name is looked
// up in, following every symbolic link, and with enter the directory path
// resolves to; named by their real paths. A path that cannot be resolved
// (a missing name, a loop of links) says nothing.
func deniedSearch(path string, enter bool, cred *syscall.Credential) string {
	if cred.Uid == 0 {
		return ""
	}
	groups, ok := credGroups(cred)
	if !ok {
		return ""
	}
	denied := ""
	errStop := errors.New("stop")
	_, _ = pathsafe.Walk(path, func(dir string, fi fs.FileInfo, role pathsafe.Role) error {
		if role == pathsafe.IsEnd && !enter {
			return nil // the directory path names, not entered
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return errStop // cannot tell
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
			denied = dir
			return errStop
		}
		return nil
	})
	return denied
}
