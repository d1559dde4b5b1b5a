// Package config parses service files into validated, immutable Service
// values, and superd's own configuration file into a Daemon value. No INI
// type leaves the package.
//
// # Service files
//
// A service NAME is defined by the file NAME.service in the configuration
// directory. NAME matches NamePattern (^[A-Za-z0-9][A-Za-z0-9_.@-]*$), is at
// most 64 characters long and does not contain "..". A service file, an
// EnvironmentFile= it names, superd.conf and the configuration directory
// itself must not be writable by a user other than root and the reading
// process's own (see ErrUntrusted; ParseDraft and ParseDaemonDraft skip
// that rule, and superd.conf's SecretFile= and CAFile= are not held to it). The syntax is that of systemd unit
// files (parsed with gopkg.in/ini.v1):
//
//	# Lines starting with # or ; (after optional spaces) are comments.
//	[Unit]
//	Description=Example web app
//
//	[Service]
//	ExecStart=/usr/local/bin/app --listen :8080 \
//	    --name "my app"
//	WorkingDirectory=/srv/app
//	Environment=PORT=8080 "GREETING=hello world"
//	Environment=DEBUG=1
//	EnvironmentFile=-/etc/default/app
//	User=www-data
//	Group=www-data
//	AutoStart=yes
//	KillSignal=SIGINT
//	TimeoutStopSec=1min 30s
//	Restart=always
//	RestartPreventExitStatus=78 SIGKILL
//	RestartSec=1s
//	StartLimitBurst=5
//
//	[Log]
//	MaxSize=50M
//	MaxBackups=5
//	MaxAge=7d
//	Compress=yes
//	RotateEvery=1d
//
// Syntax rules:
//   - Files are UTF-8; a leading byte order mark is ignored, and a file in
//     UTF-16 is refused as such.
//   - A line is blank, a comment, a section header [Name], or KEY=VALUE.
//     Spaces around KEY and VALUE are trimmed. # and ; start a comment only
//     at the beginning of a line: inside a value they are kept.
//   - A value whose last character is a backslash, not itself escaped (an
//     odd number of backslashes: "C:\\" ends the value), continues on the
//     next line: as in systemd, the backslash becomes a space and the next
//     line, trimmed, is appended. A blank line ends the value; comment lines in
//     between are skipped. Unlike systemd, a value is not continued on a line
//     that sets a key the file kind knows (in superd.conf, on any line with
//     "="): the value is an error, and that line an assignment of its own
//     (a stray backslash after ExecStart= would swallow a User=, and the
//     service would run as root).
//   - Section and key names are case sensitive. Sections and keys starting
//     with "X-" are ignored (for other tools). Any other unknown section or
//     key is an error, with a suggestion when a known one is close.
//   - A key given outside of any section, a line without "=", and a value
//     starting with ` or """ are errors.
//   - A value is at most 64 KiB long and spans at most 256 lines; service
//     files and environment files are at most 1 MiB.
//   - Every key takes a non-empty value and may be given once, except
//     Environment=, EnvironmentFile=, SuccessExitStatus=,
//     RestartPreventExitStatus= and RestartForceExitStatus=, which may be
//     repeated and accumulate. (Unlike systemd, an empty value does not
//     reset their list: it is an error, like every other empty value.)
//
// Keys:
//
//	[Unit]
//	Description=       free text shown by the CLI.
//	[Service]
//	ExecStart=         required. The command line, split into words as a
//	                   POSIX shell would, with '...' and "..." quotes and
//	                   backslash escapes, but without any expansion: $VAR,
//	                   globs, ~, ;, |, & and # are plain characters. A
//	                   program name without a slash is looked up in the
//	                   service's PATH when it starts; a relative path with
//	                   a slash (bin/app, ./run.sh) is taken from
//	                   WorkingDirectory=. systemd's prefixes (-, @, +, !,
//	                   :) are not supported.
//	WorkingDirectory=  an absolute path, without a ".." component
//	                   (default: superd's).
//	Environment=       one or more KEY=VALUE words, quoted as in ExecStart=
//	                   (Environment="A=1 2" B=3). KEY is [A-Za-z_][A-Za-z0-9_]*.
//	                   Its errors name the variables, never a value (often
//	                   a password).
//	EnvironmentFile=   an absolute path, read when the file is parsed (and
//	                   re-read on reload); with a leading "-", a missing file
//	                   is ignored. /dev/null, or a link to it, reads as
//	                   empty (another device or a FIFO is refused).
//	                   systemd's wildcards (* ? [) are refused.
//	                   The file holds KEY=VALUE assignments, optionally
//	                   prefixed by "export ", read as systemd reads them:
//	                   blank lines and lines starting with # or ; are
//	                   ignored; outside quotes a backslash escapes the next
//	                   character or joins the next line; values may be
//	                   quoted ('a b', "a b") and span lines. A line without
//	                   "=", an invalid name, an unterminated quote and text
//	                   after a quoted value and a blank are errors (systemd
//	                   ignores them). The variables of all
//	                   EnvironmentFile= come first, then those of
//	                   Environment= (unlike systemd, where files win); a later
//	                   definition of a variable overrides an earlier one.
//	User=, Group=      a name or a numeric ID (digits are an ID). superd must run
//	                   as root, or as that user and group: otherwise each start
//	                   fails and the service backs off.
//	                   With User=, the service's HOME, USER and LOGNAME are
//	                   the user's (Environment= can override them).
//	IgnoreSIGPIPE=     boolean, default yes (as in systemd): the child starts
//	                   with SIGPIPE ignored, so that a write to a closed pipe
//	                   or socket fails with EPIPE instead of killing it; no:
//	                   at its default action. Only where the supervisor owns
//	                   its process's signal dispositions (superd, or a
//	                   program embedding it with Subreaper); without
//	                   Subreaper the children get the program's own.
//	AutoStart=         boolean, default yes: start the service with superd.
//	KillSignal=        the signal that asks the service to stop, by name with
//	                   or without SIG (TERM, SIGTERM, sigterm) or by Linux
//	                   number (15); default SIGTERM. See NormalizeSignal.
//	TimeoutStopSec=    how long to wait after KillSignal before SIGKILL;
//	                   default 10s. "infinity" or 0 means never SIGKILL
//	                   (stored as Infinity).
//	Restart=           when to restart the service after its process ended
//	                   without being asked to (see RestartMode): no,
//	                   on-success, on-failure (default), on-abnormal or
//	                   always, in any case. A clean end is exit code 0,
//	                   SIGHUP, SIGINT, SIGTERM, SIGPIPE or a status of
//	                   SuccessExitStatus=, but never a signal that dumped
//	                   core. systemd's on-watchdog and on-abort are not
//	                   supported.
//	SuccessExitStatus= more statuses that count as a clean end: exit codes
//	                   (0-255), the names of systemd's exit status table
//	                   (upper case: TEMPFAIL is 75) and signal names, with
//	                   or without SIG, space separated ("TEMPFAIL 250
//	                   SIGUSR1 USR2"). A number is always an exit code,
//	                   never a signal. Default none.
//	RestartPreventExitStatus=
//	                   statuses (as above) after which the service is never
//	                   restarted, whatever Restart= says. Default none.
//	RestartForceExitStatus=
//	                   statuses (as above) after which the service is always
//	                   restarted, whatever Restart= says. Default none.
//	RestartSec=        the delay before a restart; it doubles with each
//	                   failure in a row, up to RestartMaxDelaySec=. Default
//	                   100ms; 0 restarts at once. A clean end that Restart=
//	                   restarts is no failure (never doubled, nor counted
//	                   toward StartLimitBurst=, unless
//	                   StartLimitIntervalSec=infinity: then every start
//	                   counts) when its run and RestartSec= last 2s or
//	                   more together.
//	RestartMaxDelaySec=
//	                   the longest delay; at least RestartSec=. Default 30s,
//	                   or RestartSec= when that is longer.
//	StableSec=         how long a run must last for the failure that ends it
//	                   to start a new series, at RestartSec=, and no longer
//	                   count it or the starts before it against a finite
//	                   StartLimitIntervalSec=; default 10s.
//	StartLimitBurst=   starts allowed within StartLimitIntervalSec= before
//	                   the service gives up (state fatal): a whole number
//	                   ≥ 1; default 10.
//	StartLimitIntervalSec=
//	                   the window of StartLimitBurst=; default 10min.
//	                   0 means no start limit; "infinity" (Infinity), as in
//	                   systemd, a window that never ends: at most
//	                   StartLimitBurst= starts in all, however far apart.
//	                   These two keys may also be given in [Unit], where
//	                   systemd 230 and later put them (once: not in both).
//	RestartCooldownSec=
//	                   how long a fatal service waits before it is started
//	                   again from scratch; default 0: it stays fatal until
//	                   started by hand. "infinity" means 0 too.
//	[Log]              rotation of the service's stdout and stderr files:
//	MaxSize=           size at which a file is rotated, a positive whole
//	                   number of MiB; default 50M.
//	MaxBackups=        rotated files kept, a whole number ≥ 0; default 5;
//	                   0 keeps them all (MaxAge still applies).
//	MaxAge=            how long rotated files are kept, with a unit (7d, 12h:
//	                   a bare number other than 0 is refused); default 0,
//	                   forever.
//	Compress=          boolean, default no: gzip rotated files.
//	RotateEvery=       also rotate on a timer, at least 1s, with a unit (1d,
//	                   30min); default 0, off.
//	Timestamps=        boolean, default no: start each line of both files
//	                   with the time superd read it, in UTC to the
//	                   millisecond, and a space.
//
// Value syntax:
//   - Booleans: 1 yes y true t on, 0 no n false f off, in any case.
//   - Durations (ParseDuration): systemd time spans, which include Go
//     durations. A number without a unit counts seconds ("90", "1.5"),
//     except in MaxAge= and RotateEvery=, which refuse one other than 0;
//     units are ns, us (usec, µs), ms (msec), s (sec, second, seconds),
//     m (min, minute, minutes), h (hr, hour, hours), d (day, days),
//     w (week, weeks), M (month, months: 30.44 days), y (year, years:
//     365.25 days), and components add up: "1min 30s", "1h30m", "2d 12h".
//     Negative durations are errors; "infinity" is only allowed for
//     TimeoutStopSec=, StartLimitIntervalSec= and RestartCooldownSec=.
//   - Sizes (ParseSize): a number with an optional unit B, K, M, G or T
//     (KiB, MiB, GiB, TiB), all powers of 1024: "50M", "1G", "1048576".
//
// # The daemon file
//
// superd's own settings live in <config-dir>/superd.conf (DaemonFile),
// which LoadDaemon and ParseDaemonFile read into a Daemon; LoadDir ignores
// it. The file is optional, and so is every section. Its syntax and its
// errors are those of service files; its sections are:
//
//	[Daemon]
//	HTTPListen=127.0.0.1:8080
//	HTTPTokenFile=/etc/supers/http.token
//	AllowEdit=no
//	SocketGroup=supers
//	HTTPTLSCertFile=/etc/supers/tls/cert.pem
//	HTTPTLSKeyFile=/etc/supers/tls/key.pem
//	HTTPHosts=supers.internal
//
//	[Webhook "ops"]
//	URL=https://hooks.example.com/supers
//	Events=exit fatal, restart
//	Services=web db
//	Secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
//	Secret=whsec_bm90IHRoZSByZWFsIHNlY3JldCwgYnV0IGxvbmc=
//	Timeout=10s
//	Retries=5
//	DenyPrivate=yes
//
// [Daemon] appears at most once; [Webhook "NAME"] any number of times, with
// a different NAME each time (matching NamePattern; the quotes are
// required). Keys:
//
//	[Daemon]
//	HTTPListen=        host:port of an HTTP listener for the API, besides
//	                   the Unix socket; the port is a number 0-65535 and
//	                   the host may be empty (all addresses). Default none.
//	HTTPTokenFile=     absolute path of the file holding the bearer token
//	                   of the HTTP API (not read here).
//	HTTPTLSCertFile=   absolute paths of the PEM certificate and key the
//	HTTPTLSKeyFile=    HTTP API is served with (TLS); both or neither.
//	HTTPInsecure=      boolean, default no: allow a non-loopback
//	                   HTTPListen= without TLS.
//	HTTPHosts=         host names or IP addresses (IPv6 with or without
//	                   brackets), separated by spaces or commas, accepted
//	                   in the Host header of HTTP requests besides
//	                   localhost and loopback addresses.
//	AllowEdit=         boolean, default no: whether clients of the HTTP API
//	                   may create, change and delete service files.
//	AllowRootServices= boolean, default no: whether a service file written
//	                   over the HTTP API may use root's powers: run as root
//	                   or in group 0, or (superd being root) name an
//	                   EnvironmentFile=, which superd reads as root.
//	SocketGroup=       a group name or numeric ID given access to the
//	                   control socket. Default: none (only root and
//	                   superd's user).
//	SocketAllowRootServices=
//	                   boolean, default no: whether a service file written
//	                   through the control socket by a user other than
//	                   root and superd's own (a member of SocketGroup=)
//	                   may run as any user or group, as root's may (its
//	                   members can then do anything root can); without
//	                   it, it must run as that user.
//	[Webhook "NAME"]   an HTTP endpoint notified of events:
//	URL=               required: an http:// or https:// URL with a host.
//	Events=            event types to send, separated by spaces or commas,
//	                   in any case: start exit restart stop fatal
//	                   exec-failed reload create update delete
//	                   config-error log-error log-resumed. Default: all.
//	Services=          service names whose events are sent, separated by
//	                   spaces or commas. Default: all.
//	Secret=            a signing secret, as written, without quotes (a
//	                   value in quotes is refused; a "whsec_" prefix is
//	                   for the notifier to decode; what follows it must be
//	                   valid base64). May be repeated: several secrets
//	                   allow rotation. Default: unsigned requests.
//	SecretFile=        instead of Secret=: an absolute path to a file
//	                   holding one secret per line (spaces trimmed, blank
//	                   lines ignored), read when the file is parsed (and
//	                   re-read on reload). A missing file is an error.
//	Timeout=           the limit of one request, a duration > 0; default 5s.
//	Retries=           retries of a failed request, a whole number ≥ 0;
//	                   default 3.
//	DenyPrivate=       boolean, default no: refuse to send to loopback,
//	                   private and link-local addresses.
//	CAFile=            absolute path of a PEM file of CA certificates to
//	                   trust instead of the system's; it must be readable
//	                   and hold a certificate when the file is parsed.
//
// Every key but Secret= may be given once. Since the file holds secrets,
// its errors never quote the value of Secret= or URL= (a URL often embeds
// a token), nor the content of a SecretFile=, nor lines that are not
// KEY=VALUE assignments (section headers included), nor unknown key names
// longer than 32 characters, nor unknown section names with such a word.
// Webhook values print without their secrets (see Webhook).
//
// # Errors
//
// Parse reports every problem of a file, not just the first, each as an
// *Error that names the file, the line, the section and the key:
//
//	web.service:12: [Service] ExecStrat: unknown key (did you mean ExecStart?)
//	web.service:14: [Service] MaxSize: unknown key (it belongs in [Log])
//	web.service:15: [Service] TimeoutStopSec: invalid value "5x": unknown time unit "x"
//	web.service: [Service] ExecStart: required key is missing
//
// Several problems come as Errors (at most 50, then a last "too many
// errors"), sorted by line. Their Err wraps a sentinel (ErrSyntax,
// ErrUnknownSection, ErrUnknownKey, ErrDuplicateKey, ErrMissingKey,
// ErrInvalidValue, ErrInvalidName, ErrDuplicateSection) for errors.Is, or
// describes a problem with a file a key names (EnvironmentFile=,
// SecretFile=, CAFile=).
//
// # Identity
//
// Every Service carries a Hash of its normalised values (see
// Service.ComputeHash), so that a reload can tell the services whose
// configuration changed from those that only had their file reformatted.
// Services built in Go get one from New or Validate. A Daemon carries one
// too (see Daemon.ComputeHash).
package config
