package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
)

// DaemonFile is the name of the daemon's own configuration file in the
// configuration directory. LoadDir ignores it (it reads *.service only).
const DaemonFile = "superd.conf"

// Daemon is the typed, validated and immutable content of superd.conf. It
// holds plain values only: the packages that act on them (the HTTP
// listener, the webhook notifier) build their own types from it.
//
// A Daemon must not be modified after it is returned; share it freely.
type Daemon struct {
	// File is the path the configuration was read from; "" when there is
	// no superd.conf (every value is then its default).
	File string

	// HTTPListen is [Daemon] HTTPListen=, a host:port to serve the HTTP API
	// on besides the Unix socket; "" (default) serves none.
	HTTPListen string
	// HTTPTokenFile is [Daemon] HTTPTokenFile=, the absolute path of the
	// file holding the bearer token of the HTTP API; "" when not set. The
	// file is not read by this package.
	HTTPTokenFile string
	// HTTPTLSCertFile and HTTPTLSKeyFile are [Daemon] HTTPTLSCertFile= and
	// HTTPTLSKeyFile=, absolute paths of the PEM certificate and key the
	// HTTP API is served with (TLS); both or neither. The files are not
	// read by this package.
	HTTPTLSCertFile, HTTPTLSKeyFile string
	// HTTPInsecure is [Daemon] HTTPInsecure= (default false): allow the
	// HTTP API on a non-loopback address without TLS.
	HTTPInsecure bool
	// HTTPHosts is [Daemon] HTTPHosts=, host names besides the loopback
	// ones that HTTP requests may carry in their Host header.
	HTTPHosts []string
	// AllowEdit is [Daemon] AllowEdit= (default false): whether clients may
	// create, change and delete service files through the HTTP API (the
	// Unix socket follows its own access rules).
	AllowEdit bool
	// AllowRootServices is [Daemon] AllowRootServices= (default false):
	// whether a service definition written over the HTTP API may run as
	// root (User=root, or no User= when superd runs as root).
	AllowRootServices bool
	// SocketGroup is [Daemon] SocketGroup=, a group name or numeric ID that
	// gets access to the control socket; "" leaves superd's group.
	SocketGroup string
	// SocketAllowRootServices is [Daemon] SocketAllowRootServices= (default
	// false): whether a service definition written through the control
	// socket by a user other than root and superd's own (a member of the
	// socket group) may run as any user or group, as root's may; without
	// it, it must run as that user.
	SocketAllowRootServices bool

	// Webhooks are the [Webhook "NAME"] sections, in file order; their
	// names are unique.
	Webhooks []Webhook

	// New sections (for instance defaults for the service files) add their
	// fields here, their sectionSpec to daemonSchema, their keys to
	// daemonBuilder.apply and their values to ComputeHash.

	// Hash identifies the normalised configuration, as Service.Hash does:
	// comments, spacing, key order and the order of the webhooks do not
	// change it, any change of a value (secrets included) does.
	Hash string
}

// SameSettings reports whether d and o have the same settings apart from
// their webhooks (and File and Hash): the [Daemon] section, which superd
// reads once, at start, while a reload replaces the webhooks.
func (d *Daemon) SameSettings(o *Daemon) bool { return len(d.ChangedSettings(o)) == 0 }

// ChangedSettings returns the keys of the [Daemon] section whose values
// differ between d and o, in the order of the Daemon type's fields (whose
// names are the keys'): what SameSettings compares.
func (d *Daemon) ChangedSettings(o *Daemon) []string {
	a, b := *d, *o
	// A set, as for the hash: neither order nor repeats count; none set
	// and an empty list are the same.
	a.HTTPHosts, b.HTTPHosts = sortedSet(a.HTTPHosts), sortedSet(b.HTTPHosts)
	if len(a.HTTPHosts) == 0 && len(b.HTTPHosts) == 0 {
		a.HTTPHosts, b.HTTPHosts = nil, nil
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var keys []string
	for i := range va.NumField() {
		switch name := va.Type().Field(i).Name; name {
		case "File", "Hash", "Webhooks":
		default:
			if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
				keys = append(keys, name)
			}
		}
	}
	return keys
}

// Defaults of a [Webhook "NAME"] section.
const (
	DefaultWebhookTimeout = 5 * time.Second
	DefaultWebhookRetries = 3
)

// Section and key names of superd.conf.
const (
	sectionDaemon  = "Daemon"
	sectionWebhook = "Webhook"

	keyHTTPListen    = "HTTPListen"
	keyHTTPTokenFile = "HTTPTokenFile"
	keyAllowEdit     = "AllowEdit"
	keySocketGroup   = "SocketGroup"
	keyHTTPTLSCert   = "HTTPTLSCertFile"
	keyHTTPTLSKey    = "HTTPTLSKeyFile"
	keyHTTPInsecure  = "HTTPInsecure"
	keyHTTPHosts     = "HTTPHosts"
	keyAllowRoot     = "AllowRootServices"
	keySocketRoot    = "SocketAllowRootServices"

	keyURL         = "URL"
	keyEvents      = "Events"
	keyServices    = "Services"
	keySecret      = "Secret"
	keySecretFile  = "SecretFile"
	keyTimeout     = "Timeout"
	keyRetries     = "Retries"
	keyDenyPrivate = "DenyPrivate"
	keyCAFile      = "CAFile"
)

// IsDaemonKey reports whether key is a key of superd.conf's [Daemon]
// section, as spelled there ("SocketGroup").
func IsDaemonKey(key string) bool {
	for _, sec := range daemonSchema.sections {
		if sec.name == sectionDaemon {
			return slices.Contains(sec.keys, key)
		}
	}
	return false
}

// daemonSchema describes superd.conf.
var daemonSchema = &schema{
	sections: []sectionSpec{
		{name: sectionDaemon, unique: true,
			keys: []string{keyHTTPListen, keyHTTPTokenFile, keyAllowEdit, keySocketGroup,
				keyHTTPTLSCert, keyHTTPTLSKey, keyHTTPInsecure, keyHTTPHosts, keyAllowRoot, keySocketRoot}},
		{name: sectionWebhook, named: true, unique: true,
			keys: []string{keyURL, keyEvents, keyServices, keySecret, keySecretFile,
				keyTimeout, keyRetries, keyDenyPrivate, keyCAFile}},
	},
	elsewhere: "a NAME" + FileSuffix + " file",
	otherFile: []string{sectionUnit, sectionService, sectionLog},
	sensitive: true,
}

// LoadDaemon reads <dir>/superd.conf (DaemonFile). A missing file is not an
// error: LoadDaemon then returns a Daemon with every default, File "" and
// Hash set. A symbolic link to a missing file is an error (wrapping
// fs.ErrNotExist): the operator meant to have one. Other errors are as for
// ParseDaemonFile.
func LoadDaemon(dir string) (*Daemon, error) {
	path := filepath.Join(dir, DaemonFile)
	data, err := readTrusted(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && isSymlink(path):
		return nil, &Error{File: path, Err: fmt.Errorf("%w (a symbolic link to a missing file)", err)}
	case errors.Is(err, fs.ErrNotExist):
		d := &Daemon{}
		d.Hash = d.ComputeHash()
		return d, nil
	case err != nil:
		return nil, &Error{File: path, Err: err}
	}
	// SecretFile= and CAFile= decide no command: read whoever owns them.
	return parseDaemon(path, data, readFile)
}

// isSymlink reports whether path is a symbolic link.
func isSymlink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// ParseDaemonFile reads and parses the daemon configuration file at path
// and the files it names (SecretFile=, CAFile=). The dialect is that of
// service files, with the sections and keys described in the package
// documentation.
//
// On success the Daemon has every default applied and its Hash set.
// Otherwise the error is an *Error, or Errors when there is more than one
// problem, each naming the file, line, section and key, as for Parse. No
// error text holds the value of Secret=, the content of a SecretFile= or
// the URL of a webhook (which often embeds a token). A superd.conf that a
// user other than root and this process's own could have written is an
// *Error wrapping ErrUntrusted (it sets the webhooks and what the API may
// do); its SecretFile= and CAFile= files are read whoever owns them.
func ParseDaemonFile(path string) (*Daemon, error) {
	return parseDaemonFile(path, readTrusted)
}

// ParseDaemonDraft is ParseDaemonFile without the ownership rule
// (ErrUntrusted): it checks a file before it is installed, as `supers check
// FILE` does, whoever owns it.
func ParseDaemonDraft(path string) (*Daemon, error) {
	return parseDaemonFile(path, readFile)
}

func parseDaemonFile(path string, read readFileFunc) (*Daemon, error) {
	data, err := read(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	// SecretFile= and CAFile= decide no command: read whoever owns them.
	return parseDaemon(path, data, readFile)
}

func parseDaemon(file string, data []byte, read readFileFunc) (*Daemon, error) {
	el := &errorList{file: file}
	if err := checkEncoding(data); err != nil {
		el.add(1, "", "", err)
		return nil, el.err()
	}
	res := scan(data, el, daemonSchema)
	if err := fillValues(res.assignments, res.clean); err != nil {
		el.add(0, "", "", err)
		return nil, el.err()
	}
	b := daemonBuilder{
		d:     Daemon{File: file},
		el:    el,
		read:  read,
		first: make(map[[2]string]int),
		hooks: make(map[string]*webhookBuilder),
	}
	var order []*webhookBuilder
	for _, h := range res.headers {
		if h.spec.name == sectionWebhook {
			wb := &webhookBuilder{line: h.line, section: h.section, hook: Webhook{
				Name:    h.sub,
				Timeout: DefaultWebhookTimeout,
				Retries: DefaultWebhookRetries,
			}}
			b.hooks[h.section] = wb
			order = append(order, wb)
		}
	}
	for i := 0; i < len(res.assignments) && !el.stop(); i++ {
		b.apply(&res.assignments[i])
	}
	for _, wb := range order {
		wb.finish(el, res.refused[[2]string{wb.section, keyURL}])
		b.d.Webhooks = append(b.d.Webhooks, wb.hook)
	}
	b.finish()
	if err := el.err(); err != nil {
		return nil, err
	}
	b.d.Hash = b.d.ComputeHash()
	return &b.d, nil
}

// daemonBuilder turns the assignments of superd.conf into a Daemon.
type daemonBuilder struct {
	d     Daemon
	el    *errorList
	read  readFileFunc
	first map[[2]string]int          // {section, key} -> line of its first assignment
	hooks map[string]*webhookBuilder // by canonical section name
}

// finish reports what is contradictory in the [Daemon] section.
func (b *daemonBuilder) finish() {
	certLine := b.first[[2]string{sectionDaemon, keyHTTPTLSCert}]
	keyLine := b.first[[2]string{sectionDaemon, keyHTTPTLSKey}]
	switch {
	case certLine > 0 && keyLine == 0:
		b.el.add(certLine, sectionDaemon, keyHTTPTLSCert, fmt.Errorf("%w: needs %s= too", ErrInvalidValue, keyHTTPTLSKey))
	case keyLine > 0 && certLine == 0:
		b.el.add(keyLine, sectionDaemon, keyHTTPTLSKey, fmt.Errorf("%w: needs %s= too", ErrInvalidValue, keyHTTPTLSCert))
	}
}

// CheckRules checks the rules between the keys of the [Daemon] section that
// superd applies when it starts, and that parsing does not: they depend on
// the keys only, not on the machine (CheckHost applies them too, with its
// checks against the machine).
//
//   - SocketAllowRootServices=yes needs a socket group (SocketGroup=):
//     without one, only root and superd's user may use the socket.
//   - With the HTTP API on (HTTPListen=), AllowRootServices=yes needs
//     AllowEdit=yes: without it, HTTP clients write no definition.
//   - With the HTTP API on, an HTTPListen= address that is an IP address
//     other than a loopback one, or no host (every address), needs TLS
//     (HTTPTLSCertFile= and HTTPTLSKeyFile=) or HTTPInsecure=yes. A host
//     name is not judged here: whether it is a loopback one depends on
//     its resolution (superd resolves it when it starts).
//
// The keys named in overridden (as spelled in the file: "SocketGroup",
// "HTTPListen") are those the program takes from elsewhere (superd: its
// flags, which set a boolean key to yes or give the value of another): a
// rule that involves one is the program's to apply, with that value,
// except that an overridden HTTPListen= still turns the HTTP API on (the
// rules of the other HTTP keys then apply). Either of the TLS keys stands
// for the pair.
//
// The error is an *Error wrapping ErrInvalidValue, or Errors when there is
// more than one problem, each naming d.File, the line (of the key as the
// file is now), the section and the key the rule is about.
func (d *Daemon) CheckRules(overridden ...string) error {
	return d.ruleErrors(overridden).orNil()
}

// ruleErrors is CheckRules, with its problems as a list.
func (d *Daemon) ruleErrors(overridden []string) Errors {
	var es Errors
	add := func(key string, err error) {
		es = append(es, &Error{File: d.File, Line: d.keyLine(key), Section: sectionDaemon, Key: key,
			Err: fmt.Errorf("%w: %w", ErrInvalidValue, err)})
	}
	over := func(keys ...string) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return slices.Contains(overridden, k) })
	}
	if d.SocketAllowRootServices && d.SocketGroup == "" && !over(keySocketRoot, keySocketGroup) {
		add(keySocketRoot, errors.New("no socket group to apply it to: only root and superd's user may use the socket (give SocketGroup=, or superd's --socket-group GROUP)"))
	}
	if d.httpOn(overridden...) {
		if d.AllowRootServices && !d.AllowEdit && !over(keyAllowRoot, keyAllowEdit) {
			add(keyAllowRoot, errors.New("HTTP clients may not write service definitions, so none can use root's powers (give AllowEdit=yes, or superd's --http-allow-edit)"))
		}
		if !over(keyHTTPListen, keyHTTPInsecure, keyHTTPTLSCert, keyHTTPTLSKey) && !d.HTTPInsecure &&
			d.HTTPTLSCertFile == "" && !listensOnLoopback(d.HTTPListen) {
			add(keyHTTPListen, fmt.Errorf("listen on %s: a non-loopback address needs TLS or an explicit insecure opt-in (give HTTPTLSCertFile= and HTTPTLSKeyFile=, or listen on 127.0.0.1); or allow plain HTTP with HTTPInsecure=yes (superd's --http-insecure)", d.HTTPListen))
		}
	}
	return es
}

// orNil returns nil for no problem, the *Error for one, es for more.
func (es Errors) orNil() error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return es
}

// httpOn reports whether the HTTP API is on: HTTPListen= is set, or named
// in overridden (the program takes its address from elsewhere, as superd
// from --http). Without it, superd ignores the other HTTP keys.
func (d *Daemon) httpOn(overridden ...string) bool {
	return d.HTTPListen != "" || slices.Contains(overridden, keyHTTPListen)
}

// listensOnLoopback reports whether addr, a valid HTTPListen= value, is
// not to be refused as a non-loopback address by CheckRules: its host is
// a loopback IP address or a name (judged by its resolution, elsewhere).
// No host means every address.
func listensOnLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true // not this rule's to judge: parsing refused it
	}
	if host == "" {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().IsLoopback()
	}
	return true
}

// CheckHostName reports what is wrong with h (brackets removed) as a name
// allowed in the Host header (HTTPHosts=, superd's --http-host).
func CheckHostName(h string) error {
	if h = unbracket(h); !validHost(h) {
		return fmt.Errorf("%s is not a host name or IP address (no port, no scheme)", quoteValue(h))
	}
	return nil
}

// validHost reports whether h is an IP address or a host name (letters,
// digits, '-', '.', '_'), without a port.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	for _, c := range h {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return h != ""
}

// unbracket returns the IPv6 address of h written in brackets, as in a
// Host header and as --http-host takes it ("[fd00::1]"), and any other h
// as it is.
func unbracket(h string) string {
	inner, ok := strings.CutPrefix(h, "[")
	if inner, closed := strings.CutSuffix(inner, "]"); ok && closed {
		if ip, err := netip.ParseAddr(inner); err == nil && ip.Is6() {
			return inner
		}
	}
	return h
}

// webhookBuilder collects one [Webhook "NAME"] section.
type webhookBuilder struct {
	line    int    // of the header
	section string // canonical section name
	hook    Webhook
	// lines of the first URL=, Secret= and SecretFile=, 0 when absent.
	urlLine, secretLine, secretFileLine int
}

// hidesValue reports whether errors about a key must not quote its value.
// URL= often embeds a token (in its user info, path or query).
func hidesValue(key string) bool { return key == keySecret || key == keyURL }

// apply checks one assignment and sets the field it names.
func (b *daemonBuilder) apply(a *assignment) {
	fail := func(err error) { b.el.add(a.line, a.section, a.key, err) }
	invalid := func(err error) {
		if hidesValue(a.key) {
			fail(fmt.Errorf("%w: %w", ErrInvalidValue, err))
		} else {
			fail(fmt.Errorf("%w %s: %w", ErrInvalidValue, quoteValue(a.value), err))
		}
	}
	id := [2]string{a.section, a.key}
	if line, dup := b.first[id]; dup && a.key != keySecret {
		fail(fmt.Errorf("%w (first set on line %d)", ErrDuplicateKey, line))
		return
	} else if !dup {
		b.first[id] = a.line
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
	var err error
	if a.section == sectionDaemon {
		err = b.daemonKey(a.key, v)
	} else {
		err = b.hooks[a.section].apply(a, b.read, fail)
	}
	if err != nil {
		invalid(err)
	}
}

// daemonKey sets the [Daemon] key to v; the error is for an invalid value.
func (b *daemonBuilder) daemonKey(key, v string) (err error) {
	d := &b.d
	switch key {
	case keyHTTPListen:
		if err = checkListen(v); err == nil {
			d.HTTPListen = v
		}
	case keyHTTPTokenFile:
		if err = checkAbsPath(v); err == nil {
			d.HTTPTokenFile = filepath.Clean(v)
		}
	case keyAllowEdit:
		d.AllowEdit, err = ParseBool(v)
	case keyAllowRoot:
		d.AllowRootServices, err = ParseBool(v)
	case keySocketRoot:
		d.SocketAllowRootServices, err = ParseBool(v)
	case keyHTTPInsecure:
		d.HTTPInsecure, err = ParseBool(v)
	case keyHTTPTLSCert:
		if err = checkAbsPath(v); err == nil {
			d.HTTPTLSCertFile = filepath.Clean(v)
		}
	case keyHTTPTLSKey:
		if err = checkAbsPath(v); err == nil {
			d.HTTPTLSKeyFile = filepath.Clean(v)
		}
	case keyHTTPHosts:
		for _, h := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
			h = unbracket(h)
			if err := CheckHostName(h); err != nil {
				return err
			}
			d.HTTPHosts = append(d.HTTPHosts, strings.ToLower(h))
		}
	case keySocketGroup:
		if err = checkUserGroup(v); err == nil {
			d.SocketGroup = v
		}
	default:
		// The scanner only lets known keys through.
		err = fmt.Errorf("internal error: no handler for key %s", key)
	}
	return err
}

// apply sets the [Webhook] key of a to its value. Problems with a file it
// names are reported through fail; the error is for an invalid value.
func (wb *webhookBuilder) apply(a *assignment, read readFileFunc, fail func(error)) (err error) {
	h, v := &wb.hook, a.value
	switch a.key {
	case keyURL:
		wb.urlLine = a.line
		if err = checkWebhookURL(v); err == nil {
			h.URL = v
		}
	case keyEvents:
		h.Events, err = parseEvents(v)
	case keyServices:
		h.Services, err = parseServiceList(v)
	case keySecret:
		if wb.secretLine == 0 {
			wb.secretLine = a.line
		}
		if err = checkSecret(v); err != nil {
			return err
		}
		h.Secrets = append(h.Secrets, v)
	case keySecretFile:
		wb.secretFileLine = a.line
		if err = checkAbsPath(v); err != nil {
			return err
		}
		path := filepath.Clean(v)
		secrets, ferr := readSecretFile(path, read)
		if ferr != nil {
			fail(ferr)
			return nil
		}
		h.Secrets = append(h.Secrets, secrets...)
	case keyTimeout:
		if h.Timeout, err = ParseDuration(v); err == nil && h.Timeout == 0 {
			err = errors.New("must be positive")
		}
	case keyRetries:
		h.Retries, err = parseCount(v)
	case keyDenyPrivate:
		h.DenyPrivate, err = ParseBool(v)
	case keyCAFile:
		if err = checkAbsPath(v); err != nil {
			return err
		}
		path := filepath.Clean(v)
		ca, ferr := readCAFile(path, read)
		if ferr != nil {
			fail(ferr)
			return nil
		}
		h.CAFile, h.CA = path, ca
	default:
		// The scanner only lets known keys through.
		err = fmt.Errorf("internal error: no handler for key %s", a.key)
	}
	return err
}

// finish reports what is missing or contradictory in the section.
// urlRefused says the scanner refused the value of URL= (and reported
// it): the key is there.
func (wb *webhookBuilder) finish(el *errorList, urlRefused bool) {
	if wb.urlLine == 0 && !urlRefused {
		el.add(wb.line, wb.section, keyURL, ErrMissingKey)
	}
	if wb.secretLine > 0 && wb.secretFileLine > 0 {
		line, key, other, otherLine := wb.secretFileLine, keySecretFile, keySecret, wb.secretLine
		if wb.secretLine > wb.secretFileLine {
			line, key, other, otherLine = wb.secretLine, keySecret, keySecretFile, wb.secretFileLine
		}
		el.add(line, wb.section, key, fmt.Errorf("%w: cannot be combined with %s= (line %d)",
			ErrInvalidValue, other, otherLine))
	}
}
