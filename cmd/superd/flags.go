package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/supers-dev/supers/config"
)

// superd parses its flat list of flags itself rather than with kong, the
// CLI's parser: kong looks methods up by names known only at run time
// (reflect's MethodByName and Method), which makes the linker keep every
// exported method of every type the program converts to an interface.
// Without it (and with google.golang.org/protobuf 1.36.12 or later, whose
// earlier versions did the same under Go 1.26) superd is 12 MB instead of
// 14, and about 1.2 MB less of it stays resident.

// flagDef is one flag of superd's command line.
type flagDef struct {
	name        string // long name, without "--"
	short       byte   // one-letter alias (-V), 0 if none
	placeholder string // the value's name in the help ("DIR"); "" for a switch
	help        string
	// Exactly one of these is set: the switch, the string, or the list
	// (repeatable, and split at commas) the flag sets.
	on   func(c *cli) *bool
	str  func(c *cli) *string
	list func(c *cli) *[]string
	// check validates and normalises a string value (a path made
	// absolute, a level among those allowed); nil takes it as given.
	check func(value string) (string, error)
	// item validates each item of a list; nil takes them as given.
	item func(item string) error
}

// Defaults of the flags that have one.
const (
	defaultConfigDir = "/etc/super"
	configDirEnv     = "SUPER_CONFIG_DIR"
)

// superdFlags returns superd's flags, in the order of the help. socket is
// the default socket path, named in the help.
func superdFlags(socket string) []flagDef {
	path := func(value string) (string, error) { return expandPath(value), nil }
	nonEmpty := func(value string) (string, error) {
		if value == "" {
			return "", errors.New("empty path (leave the flag out for its default)")
		}
		return expandPath(value), nil
	}
	// An empty address or group (a wrapper's unset variable) is no
	// setting: as an empty path, refused, not read as the flag left out.
	nonEmptyValue := func(value string) (string, error) {
		if value == "" {
			return "", errors.New("empty value (leave the flag out for superd.conf's, or none)")
		}
		return value, nil
	}
	listenAddr := func(value string) (string, error) {
		if _, err := nonEmptyValue(value); err != nil {
			return "", err
		}
		if err := config.CheckListenAddr(value); err != nil {
			return "", fmt.Errorf("%q: %w (want host:port, e.g. 127.0.0.1:8080)", value, err)
		}
		return value, nil
	}
	return []flagDef{
		{name: "config-dir", placeholder: "DIR", str: func(c *cli) *string { return &c.ConfigDir }, check: path,
			help: "Directory of the *.service files and superd.conf (default: " + defaultConfigDir + "); it must exist ($" + configDirEnv + ")."},
		{name: "log-dir", placeholder: "DIR", str: func(c *cli) *string { return &c.LogDir }, check: nonEmpty,
			help: "Directory of the services' logs (default: <config-dir>/logs)."},
		{name: "socket", placeholder: "PATH", str: func(c *cli) *string { return &c.Socket }, check: nonEmpty,
			help: "Path of the control socket (default: " + socket + ")."},
		{name: "log-level", placeholder: `"info"`, str: func(c *cli) *string { return &c.LogLevel }, check: oneOf("debug", "info", "warn", "error"),
			help: "Level of superd's own log: debug, info, warn or error."},
		{name: "log-format", placeholder: `"text"`, str: func(c *cli) *string { return &c.LogFormat }, check: oneOf("text", "json"),
			help: "Format of superd's own log: text or json."},
		{name: "check", on: func(c *cli) *bool { return &c.Check },
			help: "Validate every service file and superd.conf of the config dir, and what superd needs to start with them and the flags (the socket's path and directories, the lock and state files beside it, the socket group, the HTTP address, certificate and token file, a log dir to create), and what each service's start needs (its program, working directory, user and group); print each error and exit (1 if any is invalid)."},
		{name: "watch", on: func(c *cli) *bool { return &c.Watch },
			help: "Reload when a file of the config dir changes (debounced, and checked every 30 s for changes no file event reports)."},
		{name: "socket-group", placeholder: "GROUP", str: func(c *cli) *string { return &c.SocketGroup }, check: nonEmptyValue,
			help: "Group whose members may use the control socket, besides root and superd's user (SocketGroup= in superd.conf)."},
		{name: "socket-allow-root-services", on: func(c *cli) *bool { return &c.SocketAllowRootServices },
			help: "Let the socket group's members write any service definition, as root can (run as any user or group, name an EnvironmentFile=, read as root): they can then do anything root can. Without it, their definitions must run as themselves."},
		{name: "http", placeholder: "ADDR", str: func(c *cli) *string { return &c.HTTP }, check: listenAddr,
			help: "Also serve the API over HTTP on ADDR (host:port; HTTPListen= in superd.conf). Requests need the bearer token."},
		{name: "http-token-file", placeholder: "FILE", str: func(c *cli) *string { return &c.HTTPTokenFile }, check: nonEmpty,
			help: "File holding the API token; created with a random token if missing (default: <config-dir>/http.token)."},
		{name: "http-tls-cert", placeholder: "FILE", str: func(c *cli) *string { return &c.HTTPTLSCert }, check: nonEmpty,
			help: "PEM certificate: serve the HTTP API over TLS (with --http-tls-key)."},
		{name: "http-tls-key", placeholder: "FILE", str: func(c *cli) *string { return &c.HTTPTLSKey }, check: nonEmpty,
			help: "PEM key of --http-tls-cert."},
		{name: "http-insecure", on: func(c *cli) *bool { return &c.HTTPInsecure },
			help: "Allow a non-loopback --http address without TLS (the token travels in clear)."},
		{name: "http-host", placeholder: "NAME,...", list: func(c *cli) *[]string { return &c.HTTPHost }, item: config.CheckHostName,
			help: "Host name accepted in the Host header besides localhost and loopback addresses (repeatable)."},
		{name: "http-allow-edit", on: func(c *cli) *bool { return &c.HTTPAllowEdit },
			help: "Let HTTP clients create, change and delete service definitions."},
		{name: "http-allow-root-services", on: func(c *cli) *bool { return &c.HTTPAllowRootServices },
			help: "Let service definitions written over HTTP use root's powers: run as root or in group 0, or name an EnvironmentFile= (read as root)."},
	}
}

// oneOf returns a check that accepts the values allowed only.
func oneOf(allowed ...string) func(string) (string, error) {
	return func(value string) (string, error) {
		if !slices.Contains(allowed, value) {
			quoted := make([]string, len(allowed))
			for i, a := range allowed {
				quoted[i] = strconv.Quote(a)
			}
			return "", fmt.Errorf("must be one of %s but got %q", strings.Join(quoted, ","), value)
		}
		return value, nil
	}
}

// expandPath makes path absolute, with a leading "~/" standing for the
// current user's home; an empty path stays empty (refused where a path
// must be given).
func expandPath(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if u, err := user.Current(); err == nil {
			return filepath.Join(u.HomeDir, rest)
		}
		return path
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// usageError is a command line superd cannot run with; run reports it
// with exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseFlags parses superd's command line args, with lookupEnv (as
// os.LookupEnv) for $SUPER_CONFIG_DIR. It accepts --name VALUE and
// --name=VALUE, a switch alone or with =true or =false (1, yes, 0, no), -h
// and --help, -V and --version, and "--", after which everything is an
// argument; superd takes no argument. help and version report that one of
// those was given (the rest of the line is parsed first: an error in it
// wins). Errors are
// *usageError.
func parseFlags(args []string, lookupEnv func(string) (string, bool)) (c cli, help, version bool, err error) {
	c.LogLevel, c.LogFormat = "info", "text"
	defs := superdFlags("")
	configDirGiven := false
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			if i+1 < len(args) {
				return c, false, false, unexpectedArgument(args[i+1])
			}
			break
		}
		if arg == "-h" || arg == "--help" {
			help = true
			continue
		}
		if arg == "-V" || arg == "--version" {
			version = true
			continue
		}
		name, value, inline := strings.Cut(arg, "=")
		long, isLong := strings.CutPrefix(name, "--")
		if !isLong || long == "" {
			if strings.HasPrefix(arg, "-") && arg != "-" {
				return c, false, false, &usageError{"unknown flag " + name}
			}
			return c, false, false, unexpectedArgument(arg)
		}
		k := slices.IndexFunc(defs, func(d flagDef) bool { return d.name == long })
		if k < 0 {
			return c, false, false, &usageError{"unknown flag --" + long}
		}
		d := defs[k]
		if d.on != nil {
			on := true
			if inline {
				if on, err = parseSwitch(value); err != nil {
					return c, false, false, &usageError{fmt.Sprintf("--%s: %v", d.name, err)}
				}
			}
			*d.on(&c) = on
			continue
		}
		if !inline {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") && args[i+1] != "-" {
				return c, false, false, &usageError{fmt.Sprintf("--%s: expected a value (%s)", d.name, d.placeholder)}
			}
			i++
			value = args[i]
		}
		if d.list != nil {
			items := strings.Split(value, ",")
			for i, item := range items {
				items[i] = strings.TrimSpace(item) // "a.example, b.example", as HTTPHosts= takes it
			}
			if slices.Contains(items, "") {
				return c, false, false, &usageError{fmt.Sprintf("--%s: empty name in %q", d.name, value)}
			}
			if d.item != nil {
				for _, item := range items {
					if err := d.item(item); err != nil {
						return c, false, false, &usageError{fmt.Sprintf("--%s: %v", d.name, err)}
					}
				}
			}
			*d.list(&c) = append(*d.list(&c), items...)
			continue
		}
		if d.check != nil {
			if value, err = d.check(value); err != nil {
				return c, false, false, &usageError{fmt.Sprintf("--%s: %v", d.name, err)}
			}
		}
		*d.str(&c) = value
		if d.name == "config-dir" {
			configDirGiven = true
		}
	}
	if !configDirGiven {
		c.ConfigDir = defaultConfigDir
		if v, ok := lookupEnv(configDirEnv); ok {
			c.ConfigDir = expandPath(v) // empty: refused by run, naming both
		}
	}
	return c, help, version, nil
}

// parseSwitch parses the value given to a switch (--check=false).
func parseSwitch(value string) (bool, error) {
	switch strings.ToLower(value) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("bool value must be true, 1, yes, false, 0 or no but got %q", value)
}

// unexpectedArgument is the error for an argument (superd takes none),
// with a hint when it names a directory (superd /etc/super).
func unexpectedArgument(arg string) error {
	msg := "unexpected argument " + arg
	if fi, err := os.Stat(arg); arg != "" && err == nil && fi.IsDir() {
		msg += " (a directory: to use it as the config dir, give --config-dir " + arg + ")"
	}
	return &usageError{msg}
}

// writeUsage writes superd's help to w, wrapped at 80 columns as kong's
// was; socket is the default socket path.
func writeUsage(w io.Writer, socket string) {
	const indent, width = 32, 80
	var b strings.Builder
	b.WriteString("Usage: superd [flags]\n\nThe supers process supervisor daemon.\n\nFlags:\n")
	line := func(names, help string) {
		b.WriteString(names)
		col := len(names)
		if col >= indent-1 {
			b.WriteString("\n")
			col = 0
		}
		b.WriteString(strings.Repeat(" ", indent-col))
		col = indent
		for j, word := range strings.Fields(help) {
			if j > 0 && col+1+len(word) > width {
				b.WriteString("\n" + strings.Repeat(" ", indent))
				col = indent
			} else if j > 0 {
				b.WriteString(" ")
				col++
			}
			b.WriteString(word)
			col += len(word)
		}
		b.WriteString("\n")
	}
	line("  -h, --help", "Show this help.")
	for _, d := range superdFlags(socket) {
		names := "      --" + d.name
		if d.placeholder != "" {
			names += "=" + d.placeholder
		}
		line(names, d.help)
	}
	line("  -V, --version", "Print the version and exit.")
	_, _ = io.WriteString(w, b.String())
}
