package transport

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"
)

// tokenSource is the bearer token a tcpGuard accepts: a fixed one, or
// the content of a token file, read again when the file changes on disk.
//
// The file is looked at (one stat) at each request that presents a
// bearer token, not at each connection: a client's keep-alive connection
// would otherwise go on with a rotated token for as long as it is used.
// Nothing polls: a file changed while no request comes is read at the
// next one. A read within racyWindow of the file's last change is not
// trusted to have seen its last content: the file is read again at each
// request until a read comes later than that (a rewrite of the same size
// within one tick of the file system's clock changes none of its
// stamps). That request also ends the requests still under way with the
// token it puts out of force (see errTokenRotated): a stream followed
// with a leaked token (events, logs) would otherwise go on for good.
type tokenSource struct {
	file   string // "" for a fixed token
	logger *slog.Logger
	load   func(path string) (string, error)      // loadToken, but in tests
	stat   func(path string) (os.FileInfo, error) // os.Stat, but in tests
	now    func() time.Time                       // time.Now, but in tests

	mu     sync.Mutex        // guards what follows; the fields above never change
	sum    [sha256.Size]byte // the hash of the token in force: compared in constant time whatever the length
	has    bool              // whether a token is in force (an empty one is none)
	looked bool              // whether file was looked at since the start
	stamp  os.FileInfo       // of file when last read or tried; nil if it could not be stat'ed
	retry  bool              // the last try could not open or read file: try again at the next request, changed or not
	racy   bool              // the last try came within racyWindow of the file's last change: read it again at the next request
	failed bool              // the last try was refused, and logged: say when the file loads again
	// inForce is done, with errTokenRotated as its cause, once the token
	// in force is replaced; a new one then stands for the new token.
	inForce context.Context
	rotated context.CancelCauseFunc
}

// errTokenRotated is why a request authorized with a token that the token
// file has replaced since is ended: a follower of the events or logs
// (whose stream ends) or a request still waiting for its answer.
var errTokenRotated = fmt.Errorf("%w: the bearer token of this request was replaced in its file", ErrUnauthorized)

// newTokenSource returns the tokenSource of token ("" for none) and, when
// file is set, of file: token is in force until the file, looked at from
// the first request on, gives another.
func newTokenSource(token, file string, logger *slog.Logger) *tokenSource {
	s := &tokenSource{
		file:   file,
		logger: logger,
		load:   loadToken,
		stat:   os.Stat,
		now:    time.Now,
		sum:    sha256.Sum256([]byte(token)),
		has:    token != "",
	}
	if file != "" {
		s.inForce, s.rotated = context.WithCancelCause(context.Background())
	}
	return s
}

// check reports whether presented is the token in force, reading the
// file again first if it changed since it was last read or tried.
func (s *tokenSource) check(presented string) bool {
	ok, _ := s.authorize(presented)
	return ok
}

// authorize is check, and when presented is the token in force and can
// be replaced (a token file), inForce is done once it is (nil for a fixed
// token).
func (s *tokenSource) authorize(presented string) (ok bool, inForce context.Context) {
	sum := sha256.Sum256([]byte(presented))
	want, has, inForce := s.current()
	if !has || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
		return false, nil
	}
	return true, inForce
}

// current returns the hash of the token in force, whether there is one,
// and the context that ends when it is replaced (nil for a fixed token).
func (s *tokenSource) current() ([sha256.Size]byte, bool, context.Context) {
	if s.file == "" {
		return s.sum, s.has, nil // never changes: no lock needed
	}
	fi, err := s.stat(s.file)
	if err != nil {
		fi = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.looked || s.retry || s.racy || !sameTokenFile(fi, s.stamp) {
		s.reload()
	}
	return s.sum, s.has, s.inForce
}

// reload reads the file, with s.mu held, and puts its token in force if
// it loads. One that does not leaves the token in force, with one
// warning per change of the file: a file that could not be opened or
// read is tried again at every request (what makes it readable may
// change none of its stat: a descriptor freed after EMFILE), logged only
// when it changed.
func (s *tokenSource) reload() {
	before, statErr := s.stat(s.file)
	if statErr != nil {
		before = nil
	}
	changed := !s.looked || !sameTokenFile(before, s.stamp)
	s.looked, s.stamp = true, before
	s.racy = racilyRead(before, s.now())

	var token string
	err := statErr
	if err == nil {
		token, err = s.load(s.file)
	}
	if err == nil {
		// A file written while it was read (truncated, then written) may
		// have given a part of the new token: not taken. Its stamp is
		// before's, so the next request reads it again.
		if after, err := s.stat(s.file); err != nil || !sameTokenFile(after, before) {
			s.retry = true
			return
		}
	}
	var pathErr *fs.PathError
	s.retry = err != nil && statErr == nil && errors.As(err, &pathErr)
	if statErr == nil && errors.Is(err, fs.ErrNotExist) {
		// Removed since the stat: stamped as the next stat will find it,
		// so that this one change is not warned about twice.
		s.stamp, s.retry = nil, false
	}
	if err != nil {
		if changed {
			s.failed = true
			if s.has {
				s.logger.Warn("HTTP API token file changed on disk but cannot be used: the token in force stays until the file is fixed",
					"file", s.file, "err", err)
			} else {
				s.logger.Warn("HTTP API token file cannot be used: no token is in force, every request needing one is refused",
					"file", s.file, "err", err)
			}
		}
		return
	}
	sum := sha256.Sum256([]byte(token))
	switch {
	case !s.has:
		s.logger.Info("HTTP API token read", "file", s.file)
	case subtle.ConstantTimeCompare(sum[:], s.sum[:]) != 1:
		s.logger.Info("HTTP API token changed on disk: the new one is in force, the previous one is refused and its requests still open are ended", "file", s.file)
		s.rotated(errTokenRotated)
		s.inForce, s.rotated = context.WithCancelCause(context.Background())
	case s.failed:
		s.logger.Info("HTTP API token file can be used again; the token in force is unchanged", "file", s.file)
	}
	s.sum, s.has, s.failed = sum, true, false
}

// sameTokenFile reports whether a and b (nil: could not be stat'ed) are
// the same token file, unchanged: what sameFile compares, and the mode
// and owner, which decide whether it is refused (a chmod changes neither
// its size nor its modification time).
func sameTokenFile(a, b os.FileInfo) bool {
	if !sameFile(a, b) {
		return false
	}
	return a == nil || a.Mode() == b.Mode() && fileOwner(a) == fileOwner(b)
}
