package config

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Webhook is one [Webhook "NAME"] section of superd.conf: where to POST
// event notifications and how.
//
// Its String, Format, LogValue and MarshalJSON methods never show Secrets,
// nor the user info, path, query or fragment of URL (webhook URLs often
// embed a token there); still, do not log those fields one by one.
type Webhook struct {
	// Name is the NAME of the section; it matches NamePattern.
	Name string
	// URL is URL=, as written: an http or https URL with a host.
	URL string
	// Events is Events=: the event types to send, sorted, without
	// duplicates (see WebhookEvents); empty means all.
	Events []string
	// Services is Services=: the services whose events are sent, sorted,
	// without duplicates; empty means all.
	Services []string
	// Secrets are the values of Secret= in file order, or the lines of the
	// SecretFile=, as written (decoding a "whsec_" prefix is the notifier's
	// job). Several secrets allow rotation; empty means unsigned requests.
	Secrets []string
	// Timeout is Timeout=, the limit of one request (default 5s, > 0).
	Timeout time.Duration
	// Retries is Retries=, how many times a failed request is retried
	// (default 3; 0 never retries).
	Retries int
	// DenyPrivate is DenyPrivate= (default false): refuse to connect to
	// loopback, private and link-local addresses.
	DenyPrivate bool
	// CAFile is CAFile=, the absolute path of a PEM file of CA
	// certificates to trust instead of the system's; "" uses the system's.
	// Parsing checks that it is readable and holds a certificate.
	CAFile string
	// CA is the content of CAFile as parsing read it (nil without
	// CAFile=). The notifier trusts these bytes, not a second read of the
	// file: what was checked is what is used, and a bundle rotated in
	// place changes the Hash.
	CA []byte
}

// webhookEvents are the event types Events= accepts, in documentation order.
var webhookEvents = [...]string{
	"start", "exit", "restart", "stop", "fatal", "exec-failed", "reload", "create", "update", "delete", "config-error",
	"log-error", "log-resumed",
}

// WebhookEvents returns the event types Events= accepts: start exit restart
// stop fatal exec-failed reload create update delete config-error log-error
// log-resumed (the event types of
// package notify, which TestWebhookEventsAreNotifyTypes checks).
func WebhookEvents() []string { return slices.Clone(webhookEvents[:]) }

// String describes w without its secrets, for logs and debugging.
func (w Webhook) String() string {
	return fmt.Sprintf("Webhook{Name:%s URL:%s Events:%v Services:%v Secrets:%d redacted Timeout:%v Retries:%d DenyPrivate:%v CAFile:%s}",
		strconv.Quote(w.Name), redactURL(w.URL), w.Events, w.Services, len(w.Secrets),
		w.Timeout, w.Retries, w.DenyPrivate, strconv.Quote(w.CAFile))
}

// Format implements fmt.Formatter so that every verb (%v, %+v, %#v, %d...)
// prints String, never the secrets.
func (w Webhook) Format(f fmt.State, _ rune) { io.WriteString(f, w.String()) }

// LogValue implements slog.LogValuer: w as a group, without its secrets.
func (w Webhook) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", w.Name),
		slog.String("url", redactURL(w.URL)),
		slog.Any("events", w.Events),
		slog.Any("services", w.Services),
		slog.Int("secrets", len(w.Secrets)),
		slog.Duration("timeout", w.Timeout),
		slog.Int("retries", w.Retries),
		slog.Bool("deny_private", w.DenyPrivate),
		slog.String("ca_file", w.CAFile),
	)
}

// MarshalJSON implements json.Marshaler with the redacted values of
// LogValue: a Webhook in JSON is for display, not for reading back.
func (w Webhook) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name        string   `json:"name"`
		URL         string   `json:"url"`
		Events      []string `json:"events"`
		Services    []string `json:"services"`
		Secrets     int      `json:"secrets"`
		Timeout     string   `json:"timeout"`
		Retries     int      `json:"retries"`
		DenyPrivate bool     `json:"deny_private"`
		CAFile      string   `json:"ca_file"`
	}{w.Name, redactURL(w.URL), w.Events, w.Services, len(w.Secrets), w.Timeout.String(), w.Retries, w.DenyPrivate, w.CAFile})
}

// redactURL returns the scheme and host of the URL s, with "/..." when
// anything follows: the rest may hold a token.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		if s == "" {
			return ""
		}
		return "<redacted>"
	}
	r := u.Scheme + "://" + u.Host
	if u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" || u.Path != "" && u.Path != "/" {
		r += "/..."
	}
	return r
}

// CheckListenAddr reports what is wrong with v as an HTTP listen address
// (HTTPListen=, superd's --http): host:port, the port a number from 0 to
// 65535.
func CheckListenAddr(v string) error { return checkListen(v) }

// checkListen checks a host:port address; the port is a number 0-65535.
func checkListen(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) { // its text repeats the address
			return errors.New(ae.Err)
		}
		return errors.New("expected host:port")
	}
	if strings.ContainsFunc(host, unicode.IsSpace) {
		return errors.New("spaces in host")
	}
	if n, err := strconv.Atoi(port); err != nil || !isDigits(port) || n > 65535 {
		return fmt.Errorf("port %s is not a number from 0 to 65535", quoteValue(port))
	}
	return nil
}

// checkWebhookURL checks that v is an http or https URL with a host. Its
// errors never repeat v, which may embed a token.
func checkWebhookURL(v string) error {
	if strings.ContainsFunc(v, unicode.IsSpace) {
		// url.Parse takes it in the path or query, escaped: the requests
		// would go to another URL than the one meant.
		return errors.New("contains a space or another blank character: write it %20 (# and ; start a comment only at the start of a line)")
	}
	u, err := url.Parse(v)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text repeats the URL
			err = ue.Err
		}
		var ee url.EscapeError
		var he url.InvalidHostError
		switch {
		case errors.As(err, &ee), errors.As(err, &he):
			return errors.New("not a valid URL: bad escape or host")
		}
		return errors.New("not a valid URL")
	}
	switch {
	case u.Scheme == "":
		return errors.New("must start with http:// or https://")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme %s not allowed: use http or https", quoteValue(u.Scheme))
	case u.Host == "" || u.Hostname() == "":
		return errors.New("no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errors.New("port out of range (1-65535)")
		}
	}
	return nil
}

// splitList splits a value on spaces and commas.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// parseEvents parses Events=: event types (any case) separated by spaces or
// commas. The result is lowercase, sorted and without duplicates.
func parseEvents(v string) ([]string, error) {
	var events []string
	for _, w := range splitList(v) {
		e := strings.ToLower(w)
		if !slices.Contains(webhookEvents[:], e) {
			return nil, fmt.Errorf("unknown event %s (use %s)", quoteValue(w), strings.Join(webhookEvents[:], ", "))
		}
		events = append(events, e)
	}
	if len(events) == 0 {
		return nil, errors.New("no event given")
	}
	slices.Sort(events)
	return slices.Compact(events), nil
}

// parseServiceList parses Services=: service names separated by spaces or
// commas. The result is sorted and without duplicates.
func parseServiceList(v string) ([]string, error) {
	names := splitList(v)
	if len(names) == 0 {
		return nil, errors.New("no service given")
	}
	for _, n := range names {
		if err := ValidateName(n); err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// secretPrefix marks a Standard Webhooks secret: whsec_ then base64.
const secretPrefix = "whsec_"

// checkSecret checks a webhook secret as the notifier will decode it: one
// with the whsec_ prefix must be valid, non-empty base64 after it; any
// other is used as it is. One in quotes is refused: they would be part of
// it (a Secret="whsec_..." would be a raw secret, prefix and quotes
// included), and every signature would be one its receiver rejects. Its
// errors never show the secret.
func checkSecret(s string) error {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return errors.New("is in quotes, which would be part of the secret: write it without them")
	}
	rest, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return nil
	}
	if b, err := base64.StdEncoding.DecodeString(rest); err != nil || len(b) == 0 {
		return errors.New("has the " + secretPrefix + " prefix but is not valid base64")
	}
	return nil
}

// readSecretFile reads the secrets of a SecretFile=, one a line (trimmed;
// blank lines are ignored; a leading byte order mark is dropped, as in
// service files). Its errors name the file, never a secret.
func readSecretFile(path string, read readFileFunc) ([]string, error) {
	data, err := read(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkEncoding(data); err != nil {
		return nil, fmt.Errorf("%s:1: %w", path, err)
	}
	var secrets []string
	for i, line := range strings.Split(strings.TrimPrefix(string(data), "\uFEFF"), "\n") {
		s := strings.TrimSpace(line)
		switch {
		case s == "":
			continue
		case strings.IndexByte(s, 0) >= 0:
			return nil, fmt.Errorf("%s:%d: contains a NUL byte", path, i+1)
		}
		if err := checkSecret(s); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		secrets = append(secrets, s)
	}
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%s: holds no secret", path)
	}
	return secrets, nil
}

// readCAFile returns the content of the CAFile= at path, once it is
// readable and holds at least one PEM certificate.
func readCAFile(path string, read readFileFunc) ([]byte, error) {
	data, err := read(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return data, nil
}

// daemonHashVersion starts the hashed encoding of a Daemon; change it when
// the encoding changes.
const daemonHashVersion = "supers/config.Daemon v2"

// ComputeHash returns the hex SHA-256 of a canonical encoding of every
// field of d except File and Hash, as Service.ComputeHash does. The webhooks
// count as a set (ordered by name), and so do their Events and Services;
// the order of Secrets counts. ComputeHash does not modify d.
//
// The hash covers the secrets: it changes when a secret changes, and
// someone who knows every other value could test guesses of a weak secret
// against it. Do not publish it where the secrets must stay hidden.
func (d *Daemon) ComputeHash() string {
	e := hashEncoder{h: sha256.New()}
	e.str(daemonHashVersion)
	e.str(d.HTTPListen)
	e.str(d.HTTPTokenFile)
	e.bool(d.AllowEdit)
	e.str(d.SocketGroup)
	e.str(d.HTTPTLSCertFile)
	e.str(d.HTTPTLSKeyFile)
	e.bool(d.HTTPInsecure)
	e.strs(sortedSet(d.HTTPHosts))
	e.bool(d.AllowRootServices)
	e.bool(d.SocketAllowRootServices)
	hooks := slices.Clone(d.Webhooks)
	slices.SortStableFunc(hooks, func(a, b Webhook) int { return strings.Compare(a.Name, b.Name) })
	e.uint(uint64(len(hooks)))
	for _, w := range hooks {
		e.str(w.Name)
		e.str(w.URL)
		e.strs(sortedSet(w.Events))
		e.strs(sortedSet(w.Services))
		e.strs(w.Secrets)
		e.int(int64(w.Timeout))
		e.int(int64(w.Retries))
		e.bool(w.DenyPrivate)
		e.str(w.CAFile)
		e.str(string(w.CA))
	}
	return hex.EncodeToString(e.h.Sum(nil))
}

// sortedSet returns the elements of ss sorted and without duplicates.
func sortedSet(ss []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(ss)))
}
