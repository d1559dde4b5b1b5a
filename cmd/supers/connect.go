package main

import (
	"strings"

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
// --socket and --url together are refused by the grammar. A missing token
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
