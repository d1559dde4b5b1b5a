package config

import (
	"crypto/tls"
	"fmt"
	"os/user"
	"slices"
	"strconv"
)

// CheckHost checks the [Daemon] settings that depend on the machine, which
// parsing does not look at: SocketGroup= must be a numeric ID or name a
// group that exists, and, with the HTTP API on (HTTPListen=, or
// overridden), HTTPTLSCertFile= and HTTPTLSKeyFile= must hold a PEM
// certificate and its key, readable now (without it, superd ignores them).
// It applies CheckRules too.
// superd cannot start without them, so superd --check and the check of a
// config dir through superd (supers check) make these checks too: a
// configuration they pass does not then stop superd from starting.
//
// The keys named in overridden (as spelled in the file: "SocketGroup",
// "HTTPTLSCertFile") are not checked: the program takes their values from
// elsewhere (superd: its flags), so this file's do not stop it. Either of
// the TLS keys skips the pair, which goes together. An overridden
// HTTPListen= turns the HTTP API on, as for CheckRules.
//
// The error is an *Error, or Errors when there is more than one problem,
// each naming d.File, the line (of the key as the file is now), the
// section and the key.
func (d *Daemon) CheckHost(overridden ...string) error {
	var es Errors
	if !slices.Contains(overridden, keySocketGroup) {
		if _, err := d.socketGroupID(); err != nil {
			es = append(es, err)
		}
	}
	tlsOverridden := slices.Contains(overridden, keyHTTPTLSCert) || slices.Contains(overridden, keyHTTPTLSKey)
	if d.HTTPTLSCertFile != "" && d.HTTPTLSKeyFile != "" && !tlsOverridden && d.httpOn(overridden...) {
		if err := CheckKeyPair(d.HTTPTLSCertFile, d.HTTPTLSKeyFile); err != nil {
			es = append(es, &Error{File: d.File, Line: d.keyLine(keyHTTPTLSCert), Section: sectionDaemon, Key: keyHTTPTLSCert + "/" + keyHTTPTLSKey, Err: err})
		}
	}
	es = append(es, d.ruleErrors(overridden)...)
	return es.orNil()
}

// SocketGroupID resolves SocketGroup= once and returns the group's ID, -1
// when there is none. A group that does not resolve gives -1 and the error
// CheckHost reports for it: an *Error naming d.File, the section and the
// key, wrapping ErrInvalidValue. It is for a caller that needs the ID as
// well as the check, so that it looks the name up once.
func (d *Daemon) SocketGroupID() (int, error) {
	id, err := d.socketGroupID()
	if err != nil {
		return -1, err
	}
	return id, nil
}

// socketGroupID is SocketGroupID, with its error as an *Error (nil if
// none) for CheckHost's list.
func (d *Daemon) socketGroupID() (int, *Error) {
	id, err := GroupID(d.SocketGroup)
	if err != nil {
		return -1, &Error{File: d.File, Line: d.keyLine(keySocketGroup), Section: sectionDaemon, Key: keySocketGroup, Err: err}
	}
	return id, nil
}

// GroupID returns the ID of group, a group name or numeric ID as
// SocketGroup= takes it; -1 for "" (no group). A name that does not
// resolve is an error wrapping ErrInvalidValue.
func GroupID(group string) (int, error) {
	if group == "" {
		return -1, nil
	}
	if isDigits(group) {
		if id, err := strconv.Atoi(group); err == nil {
			return id, nil
		}
		return -1, fmt.Errorf("%w: group ID %s out of range", ErrInvalidValue, group)
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return -1, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	id, err := strconv.Atoi(g.Gid)
	if err != nil {
		return -1, fmt.Errorf("%w: group %s has ID %q", ErrInvalidValue, group, g.Gid)
	}
	return id, nil
}

// CheckKeyPair reports whether certFile and keyFile hold a PEM certificate
// (chain) and its private key, as the HTTP API's TLS needs them.
func CheckKeyPair(certFile, keyFile string) error {
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		return fmt.Errorf("%w: certificate %s and key %s: %w", ErrInvalidValue, certFile, keyFile, err)
	}
	return nil
}
