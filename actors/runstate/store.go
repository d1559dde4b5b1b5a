package runstate

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config/flock"
	"github.com/supers-dev/supers/config/pathsafe"
)

// formatVersion is the version of the state file format this package
// writes and reads. A file of another version is treated as corrupt.
//
// A field that an older superd may ignore without harm is added without a
// new version, omitted when empty: "started" (the services the operator
// started, see [State.Started]) was, and a superd that does not know it
// reads the file as before, only not starting those services. A new
// version is for a change an older superd would misread: it then keeps
// only the marker and the stopped services of the file.
const formatVersion = 1

// errVersion is wrapped by decode for a file of a newer format version,
// left by a newer superd: not a damaged one.
var errVersion = errors.New("runstate: state file version")

// ErrInvalidRecord is wrapped by [Store.SetRunning] and [Store.Apply] when
// a record has an empty service name or a non-positive PID or PGID.
var ErrInvalidRecord = errors.New("runstate: invalid record")

// ErrInUse is returned (wrapped) by Open when another Store, in this
// process or another, holds the state file: two supervisors sharing one
// would each kill the other's services as left behind.
var ErrInUse = errors.New("runstate: the state file is in use by another supervisor")

// Record identifies the process group a service runs.
type Record struct {
	// Service is the name of the service.
	Service string `json:"service"`
	// PID is the process id of the group leader, the process superd started.
	PID int `json:"pid"`
	// PGID is its process group id (equal to PID for processes started by
	// actors/process).
	PGID int `json:"pgid"`
	// StartTime is the start time of the leader in clock ticks since boot
	// (field 22 of /proc/PID/stat, as given by process.ProcStartTime). 0
	// means unknown: such a record is never acted upon by [KillStale].
	StartTime uint64 `json:"start_time"`
	// Pipes are the inode numbers of the pipes given to the leader as its
	// stdout and stderr (see [process.PipeID]), which the processes of its
	// group inherit: [KillStale] takes a process of the group that still
	// holds one for the service's, even once the leader is gone and the
	// process has lost the marker, and a process out of the group that
	// holds both and started at or after the leader. Empty when unknown.
	Pipes []uint64 `json:"pipes,omitempty"`
	// KillSignal and TimeoutStop are how the service was to be stopped
	// when its process started (its KillSignal= and TimeoutStopSec=;
	// TimeoutStop 0 for infinity): KillStale's stop policy gives them to a
	// service whose file no longer loads. Empty and 0 when unknown.
	KillSignal  string        `json:"kill_signal,omitempty"`
	TimeoutStop time.Duration `json:"timeout_stop_ns,omitempty"`
}

// equal reports whether r and o record the same thing.
func (r Record) equal(o Record) bool {
	return r.Service == o.Service && r.PID == o.PID && r.PGID == o.PGID && r.StartTime == o.StartTime &&
		slices.Equal(r.Pipes, o.Pipes) && r.KillSignal == o.KillSignal && r.TimeoutStop == o.TimeoutStop
}

// State is the content of a state file.
type State struct {
	// Processes are the process groups that were running when the file was
	// last written, sorted by service name.
	Processes []Record
	// Stopped are the services the operator stopped, sorted.
	Stopped []string
	// Started are the services with AutoStart=no that the operator
	// started (or restarted) and that are still wanted running, sorted:
	// superd starts them as it starts the others. None of them is in
	// Stopped. Open leaves them out when the file was written during
	// another boot (a start lasts until the machine restarts, as
	// systemd's start of a unit that is not enabled does), or during a
	// boot that cannot be told from this one (no boot id then or now,
	// as on systems other than Linux), or is corrupt.
	Started []string
	// BootID identifies the boot during which the file was written (the
	// content of /proc/sys/kernel/random/boot_id); "" if unknown.
	BootID string
	// Marker is the marker id of the file (see [Store.Marker]); "" if
	// unknown.
	Marker string
	// OwnerPID and OwnerStartTime identify the process that wrote the file
	// (its pid, and its start time as process.ProcStartTime gives it; 0
	// where unknown): Open refuses a file whose writer still runs, in this
	// boot, whatever became of the lock file (see ErrInUse).
	OwnerPID       int
	OwnerStartTime uint64
	// PreviousMarkers are the marker ids of earlier superds whose
	// processes the file's superd had not yet stopped when it wrote the
	// file: Open gives a state file of a superd from before the tags a new
	// marker id, and writes the file at once, keeping the old id (and the
	// old records) in it until the first write after [KillStale], so that
	// a superd that crashes meanwhile leaves its successor what it needs
	// to find them.
	PreviousMarkers []string
}

// fileContent is the JSON document of a state file.
type fileContent struct {
	Version int    `json:"version"`
	Marker  string `json:"marker"`
	// PreviousMarkers: see [State.PreviousMarkers]. An older superd
	// ignores it, and then looks for the processes of its own marker
	// only, as it did.
	PreviousMarkers []string `json:"previous_markers,omitempty"`
	BootID          string   `json:"boot_id,omitempty"`
	// OwnerPID and OwnerStartTime: see State. An older superd ignores
	// them.
	OwnerPID       int    `json:"owner_pid,omitempty"`
	OwnerStartTime uint64 `json:"owner_start_time,omitempty"`
	// Stopped comes before Processes, whose length grows with the
	// services': a file cut short by a damaged disk then still holds it
	// whole more often (see salvage).
	Stopped   []string `json:"stopped"`
	Started   []string `json:"started,omitempty"`
	Processes []Record `json:"processes"`
}

// Store keeps superd's state file up to date. Each change is written to
// disk before the method returns (see the package documentation for the
// durability guarantees). A Store is safe for concurrent use; writes are
// serialized. It holds a lock on the state file (on Unix): Close releases
// it.
type Store struct {
	path   string
	lock   *os.File // the lock on path+".lock"; nil where there is none
	bootID string   // of the current boot, written into every file
	marker string   // the marker id, kept from file to file
	// ownerPID and ownerStart identify this process in every file it
	// writes (State.OwnerPID).
	ownerPID   int
	ownerStart uint64
	// carried is what Open's write of a new marker id keeps of the
	// previous state, for KillStale (see State.PreviousMarkers); nil
	// otherwise.
	carried *State

	mu      sync.Mutex
	running map[string]Record
	stopped map[string]bool
	started map[string]bool
	behind  bool // the last write failed: the file lags the state in memory
	// remadeDir: a write made the file's directory again, not yet told
	// (RemadeDir).
	remadeDir bool
	// written is the digest of what the last write put in the file, if it
	// succeeded: a state that encodes the same is not written again.
	written [sha256.Size]byte
	// file is the file at path as the last write left it (or as Open
	// found it); nil if unknown. Restore compares the path with it.
	file os.FileInfo
}

// Open reads the state file at path, left by a previous run, and returns a
// Store that writes to it, along with that previous state.
//
// A missing file gives an empty state. A file that cannot be parsed is
// logged, copied to path+".corrupt" (replacing any previous one) and
// treated as empty but for what can still be read of it, its marker and
// its stopped services, and written again at once; if that write fails (a
// full disk), the damaged file stays, and the Store is [Store.Behind]
// until a write succeeds. A damaged state file prevents superd from
// starting only as a missing one does: when no marker can be read from it
// (see below). A file another user may have written (it belongs to a user
// other than root and this process's, or its group or others may write
// it) is an error, since KillStale kills what it lists. Temporary files
// left by a write that was interrupted are removed.
//
// The Store keeps the marker id of the file (see [Store.Marker]); without a
// previous one (a missing file, a corrupt one whose marker cannot be read,
// or one whose marker is from before the tags, which is replaced), Open
// creates one and writes it at once, so that it is on disk before any
// service starts: failing that (a full disk), Open fails, since a later
// superd could not find the processes of services started under an
// unrecorded marker. It otherwise writes nothing but a corrupt file again:
// the previous records stay on disk until [KillStale] has dealt with them.
//
// The returned Store starts with the previous stopped and started sets
// (see [State.Started] for when the started set is left out) but with no
// running process: the previous records are only returned, for KillStale,
// and its first write drops them. Call KillStale before anything starts.
// The error reports a directory of path that is not usable or that
// another user could change (see checkDir), or a file that cannot be
// read.
func Open(path string, logger *slog.Logger) (*Store, State, error) {
	log := orDiscard(logger)
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		return nil, State{}, fmt.Errorf("runstate: state directory: %w", err)
	} else if !fi.IsDir() {
		return nil, State{}, fmt.Errorf("runstate: state directory %s: not a directory", dir)
	}
	if err := checkDir(dir); err != nil {
		return nil, State{}, err
	}
	// A lock file there was released (or its holder died): one made now
	// may be taken beside a superd whose lock file is gone (liveOwner).
	_, lerr := os.Lstat(path + ".lock")
	lockMade := errors.Is(lerr, fs.ErrNotExist)
	lock, err := lockState(path)
	if err != nil {
		return nil, State{}, err
	}
	removeTemps(path, log)

	s := &Store{
		path:    path,
		lock:    lock,
		running: make(map[string]Record),
		stopped: make(map[string]bool),
		started: make(map[string]bool),
	}
	if id, err := bootID(); err == nil {
		s.bootID = id
	} else if !errors.Is(err, errors.ErrUnsupported) {
		log.Warn("cannot read the boot id; the state file will not let a later superd kill leftover processes", "err", err)
	}

	prev, found, fi, err := readState(path, log)
	if err != nil {
		_ = s.Close()
		return nil, State{}, err
	}
	if err := liveOwner(path, prev, s.bootID, lockMade); err != nil {
		// Its lock file is gone (a cleaner of old files removed it), not
		// its superd: KillStale would kill that superd's services. The
		// lock file made for this Open goes too, or the next try would
		// find one there and take it for the running superd's, released.
		_ = os.Remove(path + ".lock")
		_ = s.Close()
		return nil, State{}, err
	}
	s.ownerPID = os.Getpid()
	if start, err := process.ProcStartTime(s.ownerPID); err == nil {
		s.ownerStart = start
	}
	for _, name := range prev.Stopped {
		s.stopped[name] = true
	}
	switch {
	case len(prev.Started) == 0:
	case prev.BootID == "" || s.bootID == "":
		// Whether the machine restarted since cannot be told (no boot id
		// on this system, or none when the file was written): such a
		// start must not outlive a reboot.
		log.Info("cannot tell whether the machine restarted since the state file was written: the services the operator started are not started again",
			"services", prev.Started)
		prev.Started = nil
	case prev.BootID != s.bootID:
		log.Info("the machine restarted since the state file was written: the services the operator started are not started again",
			"services", prev.Started)
		prev.Started = nil
	}
	for _, name := range prev.Started {
		s.started[name] = true
	}
	s.marker = prev.Marker
	rotated := false
	if !tagged(s.marker) {
		// None, or one the services of a superd from before the tags
		// saw: a new one, on disk before any service carries it. The
		// old one, in prev, is what KillStale looks for.
		rotated = s.marker != ""
		s.marker = newMarkerID()
	}
	// A corrupt file whose tagged marker was read holds it on disk.
	salvaged := !found && fi != nil && !rotated && s.marker == prev.Marker
	if !found || rotated {
		// The services will carry this marker: unless it is on disk before
		// they start, a superd that crashes cannot find their processes
		// that outlive it, and the next one would run them twice.
		s.mu.Lock()
		if rotated || len(prev.PreviousMarkers) > 0 {
			// Nor may the old ids and records go before KillStale has
			// stopped what they lead to (a new id, or a corrupt file
			// written again): the next write drops them.
			s.carried = carriedState(prev, s.marker, s.bootID)
		}
		err := s.write()
		s.carried = nil
		if err != nil && salvaged {
			// A corrupt file whose own tagged marker was read: the
			// marker is on disk already, in it, as in a valid file, and
			// so is what salvage found (the previous ids); a full disk
			// must not keep superd from starting. The file lags until a
			// write succeeds (the state actor retries it as a failed
			// write); meanwhile it is the one read, for Restore.
			log.Warn("cannot write the corrupt state file again; its marker is read from it meanwhile, and the write is tried again shortly",
				"path", path, "err", err)
			s.behind = true
			s.file = fi
			err = nil
		}
		s.mu.Unlock()
		if err != nil {
			_ = s.Close()
			return nil, State{}, fmt.Errorf("runstate: cannot record the marker of the services' processes: %w", err)
		}
	} else {
		// It holds the marker already. Its identity is the one of the
		// file read: a stat of the path now could find another file, or
		// none.
		s.file = fi
	}
	return s, prev, nil
}

// carriedState returns what Open's write keeps of the previous state prev
// for KillStale: its marker ids other than marker, the file's from now
// on, and its records if they are of the boot this file is written in
// (boot), as the file will say.
func carriedState(prev State, marker, boot string) *State {
	c := &State{}
	for _, id := range append(slices.Clone(prev.PreviousMarkers), prev.Marker) {
		if id != "" && id != marker && !slices.Contains(c.PreviousMarkers, id) {
			c.PreviousMarkers = append(c.PreviousMarkers, id)
		}
	}
	if boot != "" && prev.BootID == boot {
		c.Processes = prev.Processes
	}
	return c
}

// liveOwner returns an error wrapping ErrInUse if the lock file of the
// state file at path was missing (lockMade: the lock was taken on a new
// one) while the process that wrote the file, prev, still runs: written in
// this boot (boot), by another process, whose start time is still the one
// recorded. A superd's lock file may be gone while it runs (a cleaner of
// old files, by age: it is never rewritten): without this, a second
// superd would take that superd's services for leftovers and kill them.
// A lock file that was there was released: its superd is done with the
// file, even if it has not exited yet.
func liveOwner(path string, prev State, boot string, lockMade bool) error {
	if !lockMade || prev.OwnerPID <= 0 || prev.OwnerPID == os.Getpid() || prev.OwnerStartTime == 0 || boot == "" || prev.BootID != boot {
		return nil
	}
	if !runningSince(prev.OwnerPID, prev.OwnerStartTime) {
		return nil
	}
	return fmt.Errorf("%w: %s: the process that writes it, pid %d, still runs (its lock file %s.lock is gone: removed by a cleaner of old files?)",
		ErrInUse, path, prev.OwnerPID, path)
}

// Path returns the path of the state file.
func (s *Store) Path() string { return s.path }

// Restore writes the state file again if the path no longer names the file
// the last write made (or Open found): it was removed, renamed away or
// replaced, by hand or by a cleaner of old files. It reports whether it
// wrote. Otherwise the file would come back only with the next change of
// state, and a superd that crashed meanwhile would leave its successor
// neither the records nor the marker, so that its processes would run
// twice. Nothing is written while no write has succeeded (Apply retries).
func (s *Store) Restore() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return false, nil
	}
	if fi, err := os.Lstat(s.path); err == nil && os.SameFile(fi, s.file) {
		return false, nil
	}
	s.written = [sha256.Size]byte{} // the same content, but not in the file
	err := s.write()
	s.behind = err != nil
	return true, err
}

// readState reads the state file at path. found is false if there is no
// usable file: it is missing, or corrupt. fi is the file read, if any.
// A corrupt file is copied aside and left in place until Open replaces it,
// and what can still be read of it (the marker, the stopped services) is
// returned: without its marker, the processes of the previous superd that
// outlived it could not be found.
// A file another user may have written is an error (see checkOwner).
func readState(path string, log *slog.Logger) (st State, found bool, fi os.FileInfo, err error) {
	b, fi, err := readTrusted(path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, false, nil, nil
	}
	if err != nil {
		return State{}, false, nil, err
	}
	st, err = decode(b)
	if err != nil {
		aside := path + ".corrupt"
		st = salvage(b)
		msg := "state file is corrupt; ignoring it but for its marker and stopped services"
		if errors.Is(err, errVersion) {
			// Left by a newer superd (this one was rolled back after an
			// upgrade), not damaged.
			msg = "state file is from a newer version of superd; ignoring it but for its marker and stopped services"
		}
		log.Error(msg, "path", path, "copied_to", aside,
			"marker_found", st.Marker != "", "stopped", st.Stopped, "err", err)
		if _, werr := writeFileAtomic(aside, b); werr != nil {
			log.Error("cannot copy the corrupt state file aside", "path", path, "err", werr)
		}
		return st, false, fi, nil
	}
	return st, true, fi, nil
}

var (
	// markerField matches the marker of a state file (see newMarkerID).
	markerField = regexp.MustCompile(`"marker"\s*:\s*"((?:t1\.)?[A-Z2-7]{26})"`)
	// stoppedField matches the list of stopped services of a state file.
	stoppedField = regexp.MustCompile(`"stopped"\s*:\s*(\[[^\]]*\])`)
	// previousField matches the previous marker ids of a state file.
	previousField = regexp.MustCompile(`"previous_markers"\s*:\s*(\[[^\]]*\])`)
	// markerID matches a marker id whole.
	markerID = regexp.MustCompile(`^(?:t1\.)?[A-Z2-7]{26}$`)
)

// salvage returns what can be read of the corrupt state file b: its marker,
// the previous ones (State.PreviousMarkers: their processes may still run)
// and the services it records as stopped, if they are intact. Its process
// records are not trusted: a changed digit would name another process; nor
// are its started services: a changed letter would start another service.
func salvage(b []byte) State {
	var st State
	if m := markerField.FindSubmatch(b); m != nil {
		st.Marker = string(m[1])
	}
	if m := previousField.FindSubmatch(b); m != nil {
		var ids []string
		if json.Unmarshal(m[1], &ids) == nil {
			for _, id := range ids {
				if markerID.MatchString(id) && id != st.Marker && !slices.Contains(st.PreviousMarkers, id) {
					st.PreviousMarkers = append(st.PreviousMarkers, id)
				}
			}
		}
	}
	if m := stoppedField.FindSubmatch(b); m != nil {
		var stopped []string
		if json.Unmarshal(m[1], &stopped) == nil {
			stopped = slices.DeleteFunc(stopped, func(s string) bool { return s == "" })
			if len(stopped) > 0 {
				slices.Sort(stopped)
				st.Stopped = slices.Compact(stopped)
			}
		}
	}
	return st
}

// readTrusted returns the content of the state file at path and the
// FileInfo of the file it read, checking first that no other user may have
// written it. A missing file is an error wrapping fs.ErrNotExist.
func readTrusted(path string) ([]byte, os.FileInfo, error) {
	// Not opened unless it is a regular file: the open of a FIFO would
	// wait for a writer, and superd's start with it, for ever.
	if fi, err := os.Lstat(path); err != nil {
		return nil, nil, fmt.Errorf("runstate: read state file: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("runstate: state file %s is a %s, not a regular file; refusing to use it (remove it)", path, fileKind(fi.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("runstate: read state file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("runstate: read state file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("runstate: state file %s is a %s, not a regular file; refusing to use it (remove it)", path, fileKind(fi.Mode()))
	}
	if err := checkOwner(path, fi); err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, fmt.Errorf("runstate: read state file: %w", err)
	}
	return b, fi, nil
}

// fileKind names the type of a file that is not a regular one.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "non-regular file"
}

// decode parses the content of a state file.
func decode(b []byte) (State, error) {
	// The version first: a newer format may have changed the other fields.
	var v struct {
		Version int `json:"version"`
	}
	if json.Unmarshal(b, &v) == nil && v.Version > formatVersion {
		return State{}, fmt.Errorf("%w %d, want %d", errVersion, v.Version, formatVersion)
	}
	var c fileContent
	if err := json.Unmarshal(b, &c); err != nil {
		return State{}, fmt.Errorf("runstate: parse state file: %w", err)
	}
	if c.Version != formatVersion {
		return State{}, fmt.Errorf("runstate: state file version %d, want %d", c.Version, formatVersion)
	}
	slices.SortStableFunc(c.Processes, func(a, b Record) int { return strings.Compare(a.Service, b.Service) })
	slices.Sort(c.Stopped)
	c.Stopped = slices.Compact(c.Stopped)
	// A service in both (a file not written by superd) is stopped: the
	// safe side.
	c.Started = slices.DeleteFunc(c.Started, func(name string) bool { return name == "" || slices.Contains(c.Stopped, name) })
	slices.Sort(c.Started)
	c.Started = slices.Compact(c.Started)
	if len(c.Started) == 0 {
		c.Started = nil
	}
	c.PreviousMarkers = slices.DeleteFunc(c.PreviousMarkers, func(id string) bool { return id == "" || id == c.Marker })
	if len(c.PreviousMarkers) == 0 {
		c.PreviousMarkers = nil
	}
	return State{Processes: c.Processes, Stopped: c.Stopped, Started: c.Started, BootID: c.BootID, Marker: c.Marker,
		PreviousMarkers: c.PreviousMarkers, OwnerPID: c.OwnerPID, OwnerStartTime: c.OwnerStartTime}, nil
}

// Close releases the lock on the state file, so that another Store may
// open it. The Store must not be used afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return nil
	}
	err := s.lock.Close()
	s.lock = nil
	return err
}

// Marker returns the value of [MarkerEnv] for the processes of service,
// "TAG:SERVICE" (see markerValue). The id is kept in the state file, so it is the same for
// every run of superd with this file: that is how [KillStale] recognizes
// the processes of a previous run, and why it must run before any service
// starts.
func (s *Store) Marker(service string) string { return markerValue(s.marker, service) }

// SetRunning records that r.Service now runs the process group r, replacing
// its previous record, and writes the file. The error wraps
// [ErrInvalidRecord] if r is not valid (nothing is recorded then). If the
// write fails, the change is kept in memory and written by the next
// successful write.
func (s *Store) SetRunning(r Record) error { return s.Apply(Running(r)) }

// ClearRunning records that service no longer runs a process and writes the
// file if that changes it (or the file lags). Failed writes are handled as
// by SetRunning.
func (s *Store) ClearRunning(service string) error { return s.Apply(Ended(service)) }

// SetStopped records whether the operator stopped service, and writes the
// file if that changes it (or the file lags). Failed writes are handled as
// by SetRunning.
func (s *Store) SetStopped(service string, stopped bool) error {
	return s.Apply(Stopped(service, stopped))
}

// SetStarted records whether service is one with AutoStart=no that the
// operator started and that is still wanted running, and writes the file
// if that changes it (or the file lags). Failed writes are handled as by
// SetRunning.
func (s *Store) SetStarted(service string, started bool) error {
	return s.Apply(Started(service, started))
}

// Change is one change to the state, made by [Store.Apply]: see [Running],
// [Ended], [Stopped] and [Started].
type Change struct {
	kind    changeKind
	record  Record // changeRunning
	service string // changeEnded, changeStopped, changeStarted
	set     bool   // changeStopped, changeStarted
}

type changeKind uint8

const (
	changeRunning changeKind = iota + 1
	changeEnded
	changeStopped
	changeStarted
)

// Running is the change made by [Store.SetRunning]: r.Service now runs the
// process group r.
func Running(r Record) Change { return Change{kind: changeRunning, record: r} }

// Ended is the change made by [Store.ClearRunning]: service no longer runs
// a process.
func Ended(service string) Change { return Change{kind: changeEnded, service: service} }

// Stopped is the change made by [Store.SetStopped]: whether the operator
// stopped service. A stop also ends its start ([Started]).
func Stopped(service string, stopped bool) Change {
	return Change{kind: changeStopped, service: service, set: stopped}
}

// Started is the change made by [Store.SetStarted]: whether service is one
// with AutoStart=no that the operator started and that is still wanted
// running. A start also ends its stop ([Stopped]).
func Started(service string, started bool) Change {
	return Change{kind: changeStarted, service: service, set: started}
}

// Apply makes changes in order, then writes the file once if they changed
// the state: a burst of starts (a thousand services at boot) costs one
// write, not one per start, and changes that cancel out (a service that
// started and exited again) cost none. An invalid change (a Running record that
// SetRunning would refuse, or a zero Change) is skipped and reported in the
// error, which wraps [ErrInvalidRecord]; the others are still made. Failed
// writes are handled as by SetRunning, and leave the store [Store.Behind]
// until a later Apply writes the file.
func (s *Store) Apply(changes ...Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	changed := false
	for _, c := range changes {
		ok, err := s.change(c)
		if err != nil {
			errs = append(errs, err)
		}
		changed = changed || ok
	}
	if changed || s.behind {
		err := s.write()
		s.behind = err != nil
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Behind reports whether the file lags the state in memory because its last
// write failed (a full or read-only disk). Apply, even with no change,
// writes it again.
func (s *Store) Behind() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.behind
}

// change makes c in memory and reports whether that changed the state.
// s.mu must be held.
func (s *Store) change(c Change) (bool, error) {
	switch c.kind {
	case changeRunning:
		r := c.record
		if r.Service == "" || r.PID <= 0 || r.PGID <= 0 {
			return false, fmt.Errorf("%w: %+v", ErrInvalidRecord, r)
		}
		if old, ok := s.running[r.Service]; ok && old.equal(r) {
			return false, nil
		}
		s.running[r.Service] = r
		return true, nil
	case changeEnded:
		if _, ok := s.running[c.service]; !ok {
			return false, nil
		}
		delete(s.running, c.service)
		return true, nil
	case changeStopped:
		return setMember(s.stopped, c.service, c.set, s.started), nil
	case changeStarted:
		return setMember(s.started, c.service, c.set, s.stopped), nil
	default:
		return false, fmt.Errorf("%w: zero Change", ErrInvalidRecord)
	}
}

// setMember adds name to set (in) or removes it, and when it adds it
// removes it from exclusive, the set it cannot be in at the same time. It
// reports whether that changed either set.
func setMember(set map[string]bool, name string, in bool, exclusive map[string]bool) bool {
	changed := set[name] != in
	if in {
		set[name] = true
		if exclusive[name] {
			delete(exclusive, name)
			changed = true
		}
	} else {
		delete(set, name)
	}
	return changed
}

// Stopped reports whether the operator stopped service (as last set with
// SetStopped, or read by Open).
func (s *Store) Stopped(service string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped[service]
}

// Started reports whether service is one with AutoStart=no that the
// operator started and that is still wanted running (as last set with
// SetStarted, or read by Open).
func (s *Store) Started(service string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started[service]
}

// write replaces the file with the content of s, unless the last write put
// that content there already. s.mu must be held.
func (s *Store) write() error {
	c := fileContent{
		Version:        formatVersion,
		Marker:         s.marker,
		BootID:         s.bootID,
		OwnerPID:       s.ownerPID,
		OwnerStartTime: s.ownerStart,
		Processes:      make([]Record, 0, len(s.running)),
		Stopped:        slices.Sorted(maps.Keys(s.stopped)),
		Started:        slices.Sorted(maps.Keys(s.started)), // nil if none: omitted
	}
	for _, name := range slices.Sorted(maps.Keys(s.running)) {
		c.Processes = append(c.Processes, s.running[name])
	}
	if s.carried != nil { // Open's write: nothing runs yet
		c.PreviousMarkers = s.carried.PreviousMarkers
		c.Processes = append(c.Processes, s.carried.Processes...)
	}
	if c.Stopped == nil {
		c.Stopped = []string{} // "[]", not "null"
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("runstate: encode state: %w", err)
	}
	b = append(b, '\n')
	sum := sha256.Sum256(b)
	if sum == s.written {
		return nil
	}
	if made, err := makeStateDir(filepath.Dir(s.path)); err != nil {
		return err
	} else if made {
		s.remadeDir = true
	}
	if err := s.relock(); err != nil {
		return err
	}
	// Even a failure after the rename leaves the file unknown.
	s.written, s.file = [sha256.Size]byte{}, nil
	// The file's identity is the temporary file's, taken before the
	// rename: a stat of the path after it could find no file or another
	// one (removed or replaced meanwhile), and Restore would then never
	// write the file again.
	fi, err := writeFileAtomic(s.path, b)
	if err != nil {
		return err
	}
	s.written, s.file = sum, fi
	return nil
}

// makeStateDir makes the state file's directory dir again if it is gone
// (removed with the control socket by a cleaner of old files, say), with
// mode 0750 as the socket's: until it is back, no write could succeed,
// and a superd that crashed meanwhile would leave its successor neither
// the records nor the marker, so that its processes would run twice. What
// exists of the path is checked first, as the directory itself is once
// made (relock's checkDir). A symbolic link to a missing directory on the
// way (the state directory itself, say) is not missing: its
// *pathsafe.DanglingLinkError is returned, naming the link and the target
// to create, rather than a later write's "no such file or directory" or
// "not a directory" through it.
func makeStateDir(dir string) (made bool, err error) {
	existing, _, missing, err := pathsafe.Existing(dir)
	if dl := (*pathsafe.DanglingLinkError)(nil); errors.As(err, &dl) {
		return false, fmt.Errorf("runstate: state directory: %w", err)
	}
	if len(missing) == 0 {
		return false, nil // there, or not for this to tell (the write says)
	}
	if err := checkDir(existing); err != nil {
		return false, err
	}
	if err := pathsafe.MakeDirs(dir, 0o750); err != nil {
		return false, fmt.Errorf("runstate: making the state directory again: %w", err)
	}
	return true, nil
}

// RemadeDir reports whether a write made the state file's directory again
// since the last call: a watch of the file's directory must then be made
// anew, the old one being on a directory that is gone.
func (s *Store) RemadeDir() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	made := s.remadeDir
	s.remadeDir = false
	return made
}

// relock makes sure s holds the lock of the file that path+".lock" names
// now, before a write: a directory removed with its files (by hand, or by
// a cleaner of old files) takes the lock file with it, and another
// supervisor may then lock a new one of that name and write its own state
// file at path. Two writers would each rewrite the file the other replaced
// (Restore), and the other's successor would read this one's records and
// marker. If another process holds the new lock, the error wraps ErrInUse
// and nothing is written; a later write tries again. s.mu must be held.
func (s *Store) relock() error {
	if s.lock == nil {
		return nil // no locks on this system, or closed
	}
	if flock.StillAt(s.lock, s.path+".lock") {
		return nil
	}
	// Its directory went with it: the one at the path now may be another
	// user's (see checkDir).
	if err := checkDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	lock, err := lockState(s.path)
	if err != nil {
		return fmt.Errorf("the state file's lock file was removed: %w", err)
	}
	_ = s.lock.Close()
	s.lock = lock
	return nil
}

// orDiscard returns l, or a logger that discards everything if l is nil.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
