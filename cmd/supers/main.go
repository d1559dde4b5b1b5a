// Command supers is the command-line client of superd, the process
// supervisor. It talks to superd over its control socket, or over its HTTP
// API (see package transport), and never links the supervisor itself, so
// it stays small and starts fast.
//
//	supers [--socket PATH | --url URL --token-file FILE] [--json] [--timeout D] COMMAND
//
// Commands: list (ls), status [NAME... | --all], usage [NAME...], start
// NAME... | --all, stop NAME... | --all, restart NAME... | --all, signal
// NAME SIGNAL, logs [-f] [-n N|all] [--stderr|--both] NAME..., reload,
// check [-v] [FILE...], events [-f] [--service NAME,...] [--type
// TYPE,...], cat NAME, apply FILE..., edit NAME, rm NAME... (or rm
// --if-match HASH NAME), version, completion [-c] [bash|zsh|fish]. A NAME
// of status, usage, start, stop, restart and logs may be a pattern
// ('web-*'). supers --version (or -V), alone, prints supers' own version
// without asking superd.
//
// The socket defaults to $SUPERS_SOCKET, else /run/super/superd.sock for root
// and $XDG_RUNTIME_DIR/super/superd.sock for other users (the same rule
// superd uses). With --url (default $SUPERS_URL, unless --socket is given)
// supers talks to superd's HTTP API instead, sending the bearer token read
// from --token-file (default $SUPERS_TOKEN_FILE), which is then required;
// every command works the same. --socket and --url exclude each other.
//
// --timeout (30s by default) bounds each wait for superd. Unless it is
// given, start, stop and restart wait as long as superd says the service is
// stopping, as systemctl waits for a stop job: a service with a long
// TimeoutStopSec= is stopped, and supers exits 0, however long that takes.
// So they, and signal, reload, check, apply, rm and edit's save, wait
// while superd says it is still starting (stopping what a crashed superd
// left running), then are carried out; logs -f and events -f wait for it
// too, then follow.
//
// list and status without names also warn on stderr about service files
// superd could not load; a request about such a service reports why. In
// tables, a STATE followed by " *" marks a service whose file changed on disk
// since superd loaded it (a comment-only edit too); "supers reload" applies
// the change if the service's settings changed.
//
// reload makes superd reread its configuration directory and prints what it
// did. check asks superd to validate that directory without applying
// anything; check FILE... validates the given files in supers itself, with
// no superd needed.
//
// usage shows what the processes of running services use: how many, their
// memory (RSS) and CPU time.
//
// signal sends a signal (HUP, sigusr1, 9...) to a service's process group.
// logs prints the last lines (10 by default) of a service's stdout, or
// stderr with --stderr, or both with --both (each line prefixed with its
// stream), byte for byte; with several services, each line is prefixed
// with the service's name.
//
// events prints superd's recent events, one a line (NDJSON with --json).
// events -f and logs -f keep printing what comes next until Ctrl-C or
// SIGTERM (exit 0), --timeout bounding only the wait for superd's answer
// to start. If superd ends a followed
// stream (it is shutting down, or dropped a client too slow to keep up),
// they say so and exit 1.
//
// cat, apply, edit and rm manage the service files through superd: cat
// prints one, apply creates or replaces services from local NAME.service
// files, rm removes services (their files go to superd's trash), and edit
// opens a service's file in $VISUAL or $EDITOR (else vi) and saves it back
// once superd finds it valid, unless someone changed it meanwhile.
//
// Exit status: 0 success; 1 error (including superd not reachable, except
// for version, which then prints supers' own version and exits 0; a
// program that could not be executed, and for reload, check and apply an
// invalid service file); 2 usage error (a malformed service name
// included); 3 status and usage: a named service is not running; 4 status,
// usage, start, stop, restart, signal, logs, cat, edit and rm: a named
// service is unknown (has no file, for cat, edit and rm; for the others,
// one whose file does not load is unknown too, the message saying why).
// With several names status, usage, start, stop, restart, logs and rm exit
// with the highest applicable code.
package main

import (
	"context"
	"os"

	"github.com/supers-dev/supers/transport"
)

// version is set at link time: go build -ldflags "-X main.version=1.2.3";
// left "dev", main takes the one Go recorded in the binary (BuildVersion).
var version = "dev"

func main() {
	version = transport.BuildVersion(version)
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
