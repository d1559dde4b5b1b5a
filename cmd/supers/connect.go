package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/supers-dev/supers/transport"
)

// Environment variables naming superd's HTTP API and its token, the
// defaults of --url and --token-file.
const (
	envURL       = "SUPERS_URL"
	envTokenFile = "SUPERS_TOKEN_FILE"
)

// connection holds the global flags saying where superd is, each "" when
// not given on the command line.
type connection struct {
	socket, url, tokenFile string
}

// usageError is a command line that makes no sense although kong parsed
// it: run reports it like kong's own errors, with exit status 2.
type usageError struct {
	command string // the command whose help to point to; "" for supers itself
	msg     string
}

func (e *usageError) Error() string { return e.msg }

// client returns the client the flags and the environment (read through
// getenv) ask for:
//
//   - --url (else $SUPERS_URL, unless --socket is given): superd's HTTP API,
//     with the bearer token read from --token-file (else
//     $SUPERS_TOKEN_FILE), which is then required;
//   - otherwise the socket: --socket, else $SUPERS_SOCKET, else the
//     default path.
//
// A flag always beats the environment, so --socket overrides $SUPERS_URL;
// --socket and --url together are refused by the grammar. The default
// socket path is refused when another user could have made its directory
// (transport.CheckSocketDir). A missing token
// file, a --token-file without a URL and a malformed URL are a
// *usageError; a token file that cannot be read, another error.
func (c connection) client(getenv func(string) string) (*transport.Client, error) {
	url := c.url
	if url == "" && c.socket == "" {
		url = strings.TrimSpace(getenv(envURL))
	}
	if url == "" {
		if c.tokenFile != "" {
			return nil, &usageError{msg: "--token-file is only for --url (or $" + envURL + ")"}
		}
		socket := c.socket
		if socket == "" {
			socket = transport.SocketPathFromEnv(getenv)
		}
		if c.defaultSocket(getenv) {
			// A path the user did not choose (under the temp dir when
			// XDG_RUNTIME_DIR is unset): another user may have made its
			// directory first, to pose as superd.
			if err := transport.CheckSocketDir(socket); err != nil {
				return nil, err
			}
		}
		return transport.NewClient(socket), nil
	}
	tokenFile := c.tokenFile
	if tokenFile == "" {
		tokenFile = getenv(envTokenFile)
	}
	if tokenFile == "" {
		return nil, &usageError{msg: "--url needs --token-file FILE (or $" + envTokenFile + ")"}
	}
	token, err := transport.ReadTokenFile(tokenFile)
	if err != nil {
		return nil, err
	}
	client, err := transport.NewRemoteClient(url, token)
	if err != nil {
		// ReadTokenFile checked the token: the URL is what is wrong.
		return nil, &usageError{msg: err.Error()}
	}
	return client, nil
}

// connectionFromLine returns the global flags given on a command line
// being completed; flags it cannot make out are left empty.
func connectionFromLine(line string) connection {
	var c connection
	flags := map[string]*string{"--socket": &c.socket, "--url": &c.url, "--token-file": &c.tokenFile}
	fields := strings.Fields(line)
	for i, f := range fields {
		for flag, dst := range flags {
			if v, ok := strings.CutPrefix(f, flag+"="); ok && v != "" {
				*dst = v
			} else if f == flag && i+1 < len(fields) {
				*dst = fields[i+1]
			}
		}
	}
	return c
}

// envSocket is the environment variable naming the socket, which
// transport.SocketPathFromEnv reads.
const envSocket = "SUPERS_SOCKET"

// systemSocket is where transport.SocketPathFromEnv puts the socket of a
// superd run by root.
const systemSocket = "/run/super/superd.sock"

// defaultSocket reports whether c, with the environment read through
// getenv, talks to superd at the default socket path: neither a URL nor a
// socket path was given, by flag or environment.
func (c connection) defaultSocket(getenv func(string) string) bool {
	return c.socket == "" && c.url == "" && strings.TrimSpace(getenv(envURL)) == "" && getenv(envSocket) == ""
}

// systemSocketHint returns what to add to err, the failure of a user
// other than root (euid) to reach superd at its default socket path, when
// a superd run by root listens at system: the default path of such a user
// is another one (under $XDG_RUNTIME_DIR), so a member of the socket group
// of the system's superd must name its socket. "" when there is nothing to
// add.
func systemSocketHint(err *transport.UnreachableError, system string, euid int) string {
	if euid == 0 || err.Socket == system ||
		!errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ECONNREFUSED) {
		return ""
	}
	fi, statErr := os.Stat(system)
	if statErr != nil || fi.Mode()&fs.ModeSocket == 0 {
		return ""
	}
	return "; the system's superd listens on " + system + ": use --socket " + system + " (or set $" + envSocket + ")"
}
