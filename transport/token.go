package transport

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/supers-dev/supers/config/pathsafe"
)

// Token files: what LoadOrCreateToken writes and what both loaders accept.
const (
	// tokenBytes is how many random bytes a generated token carries.
	tokenBytes = 32
	// minTokenLen is the shortest token superd accepts from a file.
	minTokenLen = 16
	// maxTokenFile bounds the size of a token file.
	maxTokenFile = 4 << 10
)

// ErrTokenFileInsecure: a token file superd was to use can be read or
// written by users other than its owner, or belongs to another user.
var ErrTokenFileInsecure = errors.New("token file is not private")

// LoadOrCreateToken returns the bearer token of the TCP API kept in the
// file at path, creating the file with a new random token (32 bytes from
// crypto/rand, hex-encoded) when there is none; created says which.
//
// An existing file must be a regular file of mode 0600 or stricter, owned
// by superd's effective user or root: anything looser is refused with an
// error wrapping [ErrTokenFileInsecure] (the token may be known to others;
// fix the mode and restart). Its content, surrounding white space aside,
// must be at least 16 characters of the bearer-token syntax (letters,
// digits, "-._~+/", trailing "="). These checks are skipped on Windows,
// whose files have no Unix mode.
//
// A new file is written in full under a temporary name, then linked into
// place without ever replacing a file: if another process creates path
// first, its token is returned. The parent directory must exist. Neither
// the token nor the file's content ever appear in an error.
func LoadOrCreateToken(path string) (token string, created bool, err error) {
	token, err = loadToken(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return token, false, err
	}
	token, err = createToken(path)
	if errors.Is(err, fs.ErrExist) {
		token, err = loadToken(path)
		return token, false, err
	}
	return token, err == nil, err
}

// TokenFileError is the error of a program that could not load or create
// the token file at path (err, from [LoadOrCreateToken] or
// [CheckTokenFile]), said of what (the flag or setting that names the
// file): for one that does not exist, how to do without, another telling
// how to name another file. A missing directory is named (it is not made
// for the file), and a directory that is a symbolic link to nothing is a
// wrapped *pathsafe.DanglingLinkError, which names the target to create.
func TokenFileError(what, path string, err error, another string) error {
	if _, statErr := os.Lstat(path); !errors.Is(statErr, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", what, err)
	}
	dir := filepath.Dir(path)
	_, _, missing, dirErr := pathsafe.Existing(dir)
	if dl := (*pathsafe.DanglingLinkError)(nil); errors.As(dirErr, &dl) {
		// Not a missing directory: a mkdir of it would fail (the name
		// exists). Name the link and the target to create.
		return fmt.Errorf("%s: %w: %w (or %s)", what, err, dl, another)
	}
	if dirErr == nil && len(missing) > 0 {
		// The file's "no such file or directory" is about its
		// directory: name it.
		return fmt.Errorf("%s: %w: directory %s does not exist (create the directory, or %s)", what, err, dir, another)
	}
	// A read-only config dir, say.
	return fmt.Errorf("%s: %w (create it, or %s)", what, err, another)
}

// CheckTokenFile reports, without creating or changing anything, what
// would make [LoadOrCreateToken] fail for path: an existing file it would
// refuse (its type, owner, mode or token), or, for a missing one, a parent
// directory that does not exist or is not a directory, or that this
// process may not create a file in (its permissions, a read-only file
// system; see pathsafe.MayCreate). superd --check runs it.
func CheckTokenFile(path string) error {
	_, err := loadToken(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir := filepath.Dir(path)
	switch fi, err := os.Stat(dir); {
	case err != nil:
		return createError(path, err)
	case !fi.IsDir():
		return createError(path, fmt.Errorf("%s is not a directory", dir))
	}
	if err := pathsafe.MayCreate(path); err != nil {
		return createError(path, err)
	}
	return nil
}

// ReadTokenFile reads a bearer token from the file at path, for clients:
// the content without surrounding white space, which must not be empty
// and must have the bearer-token syntax. Unlike [LoadOrCreateToken] it
// does not check the file's mode.
func ReadTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading token: %w", err)
	}
	defer f.Close()
	return readToken(f, path)
}

// loadToken reads the token file at path for superd, checking its mode.
// A missing file is an error wrapping fs.ErrNotExist.
func loadToken(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return "", fmt.Errorf("reading token: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("reading token: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("token file %s is not a regular file", path)
	}
	if err := checkTokenFileOwner(path, fi); err != nil {
		return "", err
	}
	token, err := readToken(f, path)
	if err != nil {
		return "", err
	}
	if len(token) < minTokenLen {
		return "", fmt.Errorf("token file %s: the token is shorter than %d characters", path, minTokenLen)
	}
	return token, nil
}

// readToken reads and checks the token in r, the file at path.
func readToken(r io.Reader, path string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxTokenFile+1))
	if err != nil {
		return "", fmt.Errorf("reading token file %s: %w", path, err)
	}
	if len(b) > maxTokenFile {
		return "", fmt.Errorf("token file %s is larger than %d bytes", path, maxTokenFile)
	}
	token := strings.TrimSpace(string(b))
	if err := checkToken(token); err != nil {
		return "", fmt.Errorf("token file %s: %w", path, err)
	}
	return token, nil
}

// createToken writes a new token to path, which must not exist (else the
// error wraps fs.ErrExist).
func createToken(path string) (string, error) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	token := hex.EncodeToString(b)

	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return "", createError(path, err)
	}
	defer os.Remove(tmp.Name()) // the temporary name; path keeps the file
	_, err = tmp.WriteString(token + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", createError(path, err)
	}
	// Link, unlike rename, never replaces a file another process created
	// meanwhile.
	if err := os.Link(tmp.Name(), path); err != nil {
		return "", createError(path, err)
	}
	syncDir(dir)
	return token, nil
}

// createError is the error of a token file at path that could not be
// created: it names path, not the temporary file written first, and
// wraps the system's reason ("read-only file system", "permission
// denied").
func createError(path string, err error) error {
	var pathErr *fs.PathError
	var linkErr *os.LinkError
	switch {
	case errors.As(err, &pathErr):
		err = pathErr.Err
	case errors.As(err, &linkErr):
		err = linkErr.Err
	}
	return fmt.Errorf("cannot create token file %s: %w", path, err)
}

// syncDir makes a new entry of dir durable, as far as the system allows.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync() // not supported everywhere (Windows): best effort
	_ = d.Close()
}

// checkToken checks that token can be sent as a bearer token: not empty,
// and only the characters of RFC 6750's b64token. It never quotes token.
func checkToken(token string) error {
	if token == "" {
		return errors.New("empty token")
	}
	body := strings.TrimRight(token, "=")
	if body == "" {
		return errors.New("malformed token: only '=' characters")
	}
	for _, c := range body {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("-._~+/", c)) {
			return errors.New("malformed token: only letters, digits, '-._~+/' and trailing '=' are allowed")
		}
	}
	return nil
}
