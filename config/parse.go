package config

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"gopkg.in/ini.v1"
)

// FileSuffix is the suffix of service file names.
const FileSuffix = ".service"

// MaxFileSize is the largest service file, or environment file, that is
// read: 1 MiB.
const MaxFileSize = 1 << 20

// readFileFunc reads a whole file; tests substitute it.
type readFileFunc func(path string) ([]byte, error)

// ErrServiceDir is wrapped by the error of LoadDir when the directory
// itself cannot be read (it may be transient: EMFILE, EIO).
var ErrServiceDir = errors.New("reading service directory")

// LoadDir parses every NAME.service file directly in dir (not in
// subdirectories; names starting with a dot are ignored) and returns the
// valid services sorted by name. A file that does not parse is skipped and
// yields one error (an *Error or Errors naming the file) in errs, in file
// name order; so does anything else named NAME.service (a directory, a
// FIFO, a dangling symlink), which must not read as a removed service. If
// dir cannot be read, LoadDir returns no services and a single error
// wrapping ErrServiceDir and the file system error: a caller must not take
// that for an empty directory. So does a dir that another user could write
// (wrapping ErrUntrusted too: see CheckDirTrusted), and each file one could
// write is an error instead of a service, as are the EnvironmentFile= files
// such a service names: whoever can change them can have the supervisor
// run what they want as its user.
func LoadDir(dir string) (services []*Service, errs []error) {
	if err := CheckDirTrusted(dir); err != nil {
		return nil, []error{fmt.Errorf("%w: %w", ErrServiceDir, err)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, []error{fmt.Errorf("%w: %w", ErrServiceDir, err)}
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, FileSuffix) {
			continue
		}
		path := filepath.Join(dir, name)
		s, err := ParseFile(path)
		removed := false
		// Gone when read: removed since the directory was read, unless
		// something is at the path (a dangling symlink stays an error). A
		// file created again under the name meanwhile (tooling that
		// writes and removes files) is read again.
		for tries := 0; errors.Is(err, fs.ErrNotExist) && tries < 3; tries++ {
			if _, lerr := os.Lstat(path); errors.Is(lerr, fs.ErrNotExist) {
				removed = true
				break
			}
			s, err = ParseFile(path)
		}
		if removed {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		services = append(services, s)
	}
	slices.SortFunc(services, func(a, b *Service) int { return cmp.Compare(a.Name, b.Name) })
	return services, errs
}

// ParseFile reads and parses the service file at path, whose base name is
// NAME.service. Its EnvironmentFile= files are read too. Errors are as for
// Parse; an unreadable file gives an *Error wrapping the I/O error, and one
// that a user other than root and this process's own could have written
// an *Error wrapping ErrUntrusted (so do such EnvironmentFile= files).
func ParseFile(path string) (*Service, error) {
	return parseFile(path, readTrusted, readTrusted)
}

// ParseDraft is ParseFile without the ownership rule (ErrUntrusted), for
// the file and its EnvironmentFile= files: it checks a file before it is
// installed, as `supers check FILE` does, whoever owns it, maybe for
// another machine. So an EnvironmentFile= that is missing or that this
// process may not read is no error (as if its name began with "-"); one
// that can be read is checked. The supervisor loads with ParseFile.
func ParseDraft(path string) (*Service, error) {
	return parseFile(path, readFile, readIfAllowed)
}

// readIfAllowed is readFile, but a file this process cannot find (a
// missing one, a path through a file or a loop of links) or read (not
// allowed to, or not a regular file here) reads as empty: on the machine
// the draft is for, the path may be right.
func readIfAllowed(path string) ([]byte, error) {
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOTDIR) ||
		errors.Is(err, syscall.ELOOP) || errors.Is(err, ErrNotRegular) {
		return nil, nil
	}
	return data, err
}

// parseFile parses the service file at path, read with read; readEnv
// reads its EnvironmentFile= files.
func parseFile(path string, read, readEnv readFileFunc) (*Service, error) {
	base := filepath.Base(path)
	name, ok := strings.CutSuffix(base, FileSuffix)
	if !ok {
		return nil, &Error{File: path, Err: fmt.Errorf("%w: file name %q does not end in %s", ErrInvalidName, base, FileSuffix)}
	}
	data, err := read(path)
	if errors.Is(err, fs.ErrNotExist) && isSymlink(path) {
		// ls shows the file: say what is missing.
		return nil, &Error{File: path, Err: fmt.Errorf("%w (a symbolic link to a missing file)", err)}
	}
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return parse(name, path, data, readEnv)
}

// Parse parses data, the contents of the service file file (which only
// names it in errors), as the service name. The EnvironmentFile= files it
// names are read from disk, and refused (ErrUntrusted) if a user other than
// root and this process's own could have written them.
//
// On success the Service has every default applied, its values normalised
// and its Hash set. Otherwise the error is an *Error, or Errors when there
// is more than one problem: Parse reports every problem it finds, each with
// the file, line, section and key concerned. Parse never panics.
func Parse(name, file string, data []byte) (*Service, error) {
	return parse(name, file, data, readTrusted)
}

// ParseNoFiles is Parse without reading the EnvironmentFile= files: their
// names are checked, their content counts as empty. It is for a caller
// that must judge a definition (who it runs as, which files it names)
// before anything is read on its behalf; the Service it returns is not
// the one to run, since its environment lacks the files'.
func ParseNoFiles(name, file string, data []byte) (*Service, error) {
	return parse(name, file, data, func(string) ([]byte, error) { return nil, nil })
}

func parse(name, file string, data []byte, read readFileFunc) (*Service, error) {
	el := &errorList{file: file}
	if err := ValidateName(name); err != nil {
		el.add(0, "", "", err)
	}
	if err := checkEncoding(data); err != nil {
		el.add(1, "", "", err)
		return nil, el.err()
	}
	sc := scan(data, el, serviceSchema)
	as := sc.assignments
	if err := fillValues(as, sc.clean); err != nil {
		el.add(0, "", "", err)
		return nil, el.err()
	}
	b := builder{
		svc:   defaults(name),
		el:    el,
		read:  read,
		first: make(map[string]int),
	}
	b.svc.File = file
	for i := 0; i < len(as) && !el.stop(); i++ {
		b.apply(&as[i])
	}
	if _, ok := b.first[keyExecStart]; !ok && !sc.refused[[2]string{sectionService, keyExecStart}] {
		el.add(0, sectionService, keyExecStart, ErrMissingKey)
	}
	b.finishRestart()
	if err := el.err(); err != nil {
		return nil, err
	}
	b.svc.Environment = dedupeEnv(append(b.fileEnv, b.env...))
	b.svc.Hash = b.svc.ComputeHash()
	// A copy: &b.svc would keep the whole builder (its map of first
	// assignments, its error list) alive as long as the service is loaded.
	svc := b.svc
	return &svc, nil
}

// fillValues parses clean, the scanner's cleaned text, with ini.v1 and puts
// the values into the assignments, matching the Nth value of a key with its
// Nth assignment. It guards against ini.v1 panicking.
func fillValues(as []assignment, clean []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: INI parser panicked: %v", r)
		}
	}()
	f, err := ini.LoadSources(ini.LoadOptions{
		KeyValueDelimiters:         "=",
		IgnoreInlineComment:        true, // # and ; start comments only at the start of a line
		AllowShadows:               true, // repeated keys accumulate
		AllowDuplicateShadowValues: true, // ... even when the values are equal
		PreserveSurroundedQuote:    true, // quotes are for the shell-like word splitting
		IgnoreContinuation:         true, // the scanner joined continuation lines already
	}, clean)
	if err != nil {
		return fmt.Errorf("internal error: INI parser: %w", err)
	}
	// ValueWithShadows leaves empty values out; the scanner knows which
	// assignments are empty.
	values := make(map[[2]string][]string)
	for _, sec := range f.Sections() {
		for _, k := range sec.Keys() {
			values[[2]string{sec.Name(), k.Name()}] = k.ValueWithShadows()
		}
	}
	for i := range as {
		a := &as[i]
		if a.empty {
			continue
		}
		id := [2]string{a.section, a.key}
		vs := values[id]
		if len(vs) == 0 {
			return fmt.Errorf("internal error: INI parser lost the value on line %d", a.line)
		}
		// A continued value may end with the spaces before its last backslash.
		a.value, values[id] = strings.TrimSpace(vs[0]), vs[1:]
	}
	for id, vs := range values {
		if len(vs) > 0 {
			return fmt.Errorf("internal error: INI parser found extra values for [%s] %s", id[0], id[1])
		}
	}
	return nil
}

// defaults returns a Service named name with every default applied.
func defaults(name string) Service {
	return Service{
		Name:           name,
		AutoStart:      true,
		IgnoreSIGPIPE:  true,
		KillSignal:     DefaultKillSignal,
		TimeoutStopSec: DefaultTimeoutStopSec,
		Restart:        DefaultRestartPolicy(),
		Log: LogSpec{
			MaxSize:    DefaultLogMaxSize,
			MaxBackups: DefaultLogMaxBackups,
		},
	}
}

// builder turns assignments into a Service.
type builder struct {
	svc     Service
	el      *errorList
	read    readFileFunc
	first   map[string]int // key -> line of its first assignment (key names are unique across sections)
	fileEnv []string       // from EnvironmentFile=
	env     []string       // from Environment=
	restart restartBuilder
}

// apply checks one assignment and sets the field it names.
func (b *builder) apply(a *assignment) {
	fail := func(err error) { b.el.add(a.line, a.section, a.key, err) }
	invalid := func(err error) {
		if a.key == keyEnvironment {
			// Often a password: its errors name the variables only.
			fail(fmt.Errorf("%w: %w", ErrInvalidValue, err))
			return
		}
		fail(fmt.Errorf("%w %s: %w", ErrInvalidValue, quoteValue(a.value), err))
	}
	if line, dup := b.first[a.key]; dup && !isMultiKey(a.key) {
		fail(fmt.Errorf("%w (first set on line %d)", ErrDuplicateKey, line))
		return
	} else if !dup {
		b.first[a.key] = a.line
	}
	v := a.value
	switch {
	case v == "":
		invalid(errors.New("must not be empty"))
		return
	case strings.IndexByte(v, 0) >= 0:
		invalid(errors.New("contains a NUL byte"))
		return
	}

	s := &b.svc
	var err error
	switch a.key {
	case keyDescription:
		s.Description, err = v, checkOneLine(v)
	case keyExecStart:
		if s.ExecStart, err = splitWords(v); err == nil {
			err = checkExecStart(s.ExecStart)
		}
	case keyWorkingDirectory:
		if err = checkWorkingDirectory(v); err == nil {
			s.WorkingDirectory = filepath.Clean(v)
		}
	case keyEnvironment:
		var env []string
		if env, err = parseEnvironment(v); err == nil {
			b.env = append(b.env, env...)
		}
	case keyEnvironmentFile:
		s.EnvironmentFiles = append(s.EnvironmentFiles, v)
		err = b.environmentFile(v, fail)
	case keyUser:
		s.User, err = v, checkUserGroup(v)
	case keyGroup:
		s.Group, err = v, checkUserGroup(v)
	case keyUMask:
		var m fs.FileMode
		if m, err = ParseUMask(v); err == nil {
			s.UMask = &m
		}
	case keyIgnoreSIGPIPE:
		s.IgnoreSIGPIPE, err = ParseBool(v)
	case keyAutoStart:
		s.AutoStart, err = ParseBool(v)
	case keyKillSignal:
		if s.KillSignal, err = NormalizeSignal(v); err == nil {
			err = checkKillSignal(s.KillSignal)
		}
	case keyTimeoutStopSec:
		s.TimeoutStopSec, err = ParseDurationInf(v)
		if err == nil && s.TimeoutStopSec == 0 {
			s.TimeoutStopSec = Infinity // as in systemd, 0 disables the timeout
		}
	case keyRestart:
		s.Restart.Mode, err = parseRestartMode(v)
	case keySuccessExitStatus:
		err = addExitStatus(&s.Restart.SuccessExitStatus, v)
	case keyRestartPreventExitStatus:
		err = addExitStatus(&s.Restart.PreventExitStatus, v)
	case keyRestartForceExitStatus:
		err = addExitStatus(&s.Restart.ForceExitStatus, v)
	case keyRestartSec:
		if s.Restart.Delay, err = ParseDuration(v); err == nil {
			b.restart.delayText = v
		}
	case keyRestartMaxDelaySec:
		if s.Restart.MaxDelay, err = ParseDuration(v); err == nil {
			b.restart.maxDelayText = v
		}
	case keyStableSec:
		s.Restart.StableAfter, err = ParseDuration(v)
	case keyStartLimitBurst:
		s.Restart.StartLimitBurst, err = parseAtLeastOne(v)
	case keyStartLimitIntervalSec:
		s.Restart.StartLimitInterval, err = ParseDurationInf(v)
	case keyRestartCooldownSec:
		s.Restart.Cooldown, err = parseDurationOff(v)
	case keyMaxSize:
		if s.Log.MaxSize, err = ParseSize(v); err == nil {
			err = checkLogMaxSize(s.Log.MaxSize)
		}
	case keyMaxBackups:
		s.Log.MaxBackups, err = parseCount(v)
	case keyMaxAge:
		s.Log.MaxAge, err = parseLogSpan(v)
	case keyCompress:
		s.Log.Compress, err = ParseBool(v)
	case keyRotateEvery:
		if s.Log.RotateEvery, err = parseLogSpan(v); err == nil {
			err = checkRotateEvery(s.Log.RotateEvery)
		}
	case keyTimestamps:
		s.Log.Timestamps, err = ParseBool(v)
	default:
		// The scanner only lets known keys through.
		err = fmt.Errorf("internal error: no handler for key %s", a.key)
	}
	if err != nil {
		invalid(err)
	}
}

// environmentFile reads the file named by the value of EnvironmentFile=.
// Problems with the file itself are reported through fail, not as invalid
// values; the returned error is for an invalid value.
func (b *builder) environmentFile(v string, fail func(error)) error {
	path, optional := strings.CutPrefix(v, "-")
	if err := checkAbsPath(path); err != nil {
		return err
	}
	if strings.ContainsAny(path, "*?[") {
		// Read as a file name, a pattern that matches files would be
		// missing, and with "-" ignored without a word.
		return errors.New("systemd's wildcards (* ? [) are not supported: name each file in an EnvironmentFile= of its own")
	}
	data, err := b.read(path)
	switch {
	case err != nil && optional && errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, errNullDevice):
		// /dev/null, or a link to it (ln -sf /dev/null masks a
		// defaults file): empty, as systemd reads it. Only its content
		// is taken as trusted (every user may write the device, and
		// nothing written stays): the links and directories on the
		// way to it were checked as for any file.
		return nil
	case err != nil:
		fail(fmt.Errorf("%s: %w", path, err))
		return nil
	}
	env, err := parseEnvFile(path, data)
	if err != nil {
		fail(err)
		return nil
	}
	b.fileEnv = append(b.fileEnv, env...)
	return nil
}

// parseCount parses a non-negative decimal integer.
func parseCount(v string) (int, error) {
	if !isDigits(v) {
		return 0, errors.New("expected a whole number ≥ 0")
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errors.New("number out of range")
	}
	return n, nil
}

// ReadFile reads the service file at path as ParseFile does: a regular
// file (a FIFO is refused without blocking on it) of at most MaxFileSize
// bytes. Its errors do not repeat the path.
func ReadFile(path string) ([]byte, error) { return readFile(path) }

// readFile reads a regular file of at most MaxFileSize bytes. Its errors do
// not repeat the path (callers name the file); I/O errors keep their
// underlying errno, so errors.Is(err, fs.ErrNotExist) works.
func readFile(path string) ([]byte, error) {
	return readFileChecked(path, nil)
}

// readFileChecked is readFile, and then check (if not nil) is applied to
// the file as opened, before it is read.
func readFileChecked(path string, check func(fs.FileInfo) error) ([]byte, error) {
	// Stat first, so that no device is ever opened; then open without
	// blocking and check again: a FIFO put in place of the file in between
	// would block the open until a writer comes, and its reads after that.
	st, err := os.Stat(path)
	if err != nil {
		return nil, ioError(err)
	}
	if !st.Mode().IsRegular() {
		if isNullDevice(st) {
			return nil, errNullDevice
		}
		return nil, ErrNotRegular
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return nil, ioError(err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, ioError(err)
	}
	if !st.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	if check != nil {
		if err := check(st); err != nil {
			return nil, err
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	switch {
	case err != nil:
		return nil, ioError(err)
	case len(data) > MaxFileSize:
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	return data, nil
}

// errNullDevice is readFileChecked's error for the null device: not a
// regular file (and said as ErrNotRegular says it), which an
// EnvironmentFile= reads as empty.
var errNullDevice error = nullDeviceError{}

type nullDeviceError struct{}

func (nullDeviceError) Error() string { return ErrNotRegular.Error() }

func (nullDeviceError) Unwrap() error { return ErrNotRegular }

// isNullDevice reports whether fi is the null device (/dev/null), whatever
// the name it was reached by: the same file as os.DevNull, not a name.
func isNullDevice(fi fs.FileInfo) bool {
	if fi.Mode()&fs.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(fi, null)
}

// ioError strips the path from a *fs.PathError.
func ioError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot read: %w", pe.Err)
	}
	return err
}
