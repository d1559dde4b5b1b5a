// Command supers is the command-line client of superd, the process
// supervisor. It talks to superd over its control socket (see package
// transport) and never links the supervisor itself, so it stays small and
// starts fast.
//
//	supers [--socket PATH] [--json] [--timeout D] COMMAND
//
// Commands: list (ls), status [NAME...], start NAME..., stop NAME...,
// restart NAME..., reload, check [-v] [FILE...],
// events [-f] [--service NAME], version, completion [bash|zsh|fish].
//
// The socket defaults to $SUPERS_SOCKET, else /run/super/superd.sock for root
// and $XDG_RUNTIME_DIR/super/superd.sock for other users (the same rule
// superd uses).
//
// list and status without names also warn on stderr about service files
// superd could not load; a request about such a service reports why. In
// tables, a STATE followed by " *" marks a service whose file changed on disk
// since superd loaded it; "supers reload" applies the change.
//
// reload makes superd reread its configuration directory and prints what it
// did. check asks superd to validate that directory without applying
// anything; check FILE... validates the given files in supers itself, with
// no superd needed.
//
// events prints superd's recent events, one a line (NDJSON with --json);
// with -f it keeps printing new ones until Ctrl-C or SIGTERM (exit 0),
// --timeout not applying. If superd ends a followed stream (it is shutting
// down, or dropped a client too slow to keep up), events -f says so and
// exits 1.
//
// Exit status: 0 success; 1 error (including superd not reachable, and for
// reload and check an invalid service file); 2 usage error; 3 status: a
// named service is not running; 4 status: a named service is unknown. With
// several names status exits with the highest applicable code.

package main

import (
	"context"
	"os"
)

// version is set at link time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}
