//go:build linux

package actors_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/actors"
)

// A check of the config dir through superd (supers check) reports a
// superd.conf that superd could not start with, such as a socket group
// that does not exist, as superd --check does: it used to pass it.
func TestCheckConfigReportsWhatSuperdCouldNotStartWith(t *testing.T) {
	dir := t.TempDir()
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	conf := filepath.Join(dir, "superd.conf")
	if err := os.WriteFile(conf, []byte("[Daemon]\nSocketGroup=no-such-group-here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errs, err := sup.CheckConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].File != conf || !strings.Contains(errs[0].Message, "SocketGroup") {
		t.Fatalf("CheckConfig = %+v; want one error for %s naming SocketGroup", errs, conf)
	}
}

// A superd started with --socket-group takes no SocketGroup= from
// superd.conf, and superd --check with the same flags passes the file:
// the check through superd judged it anyway, and failed.
func TestCheckConfigLeavesOutTheKeysTheProgramOverrides(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "superd.conf")
	if err := os.WriteFile(conf, []byte("[Daemon]\nSocketGroup=no-such-group-here\nHTTPTLSCertFile=/no/such/cert\nHTTPTLSKeyFile=/no/such/key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir, DaemonOverrides: []string{"SocketGroup", "HTTPTLSKeyFile"}})
	errs, err := sup.CheckConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 0 {
		t.Fatalf("CheckConfig = %+v; want no error: both keys are overridden", errs)
	}
}

// DaemonOverrides names keys of the [Daemon] section: a misspelt one
// would silently check what it meant to leave out.
func TestDaemonOverridesMustBeDaemonKeys(t *testing.T) {
	_, err := actors.New(actors.Config{ConfigDir: t.TempDir(), DaemonOverrides: []string{"SocketGroup", "Socketgroup"}})
	if err == nil || !strings.Contains(err.Error(), `"Socketgroup" is not a key`) {
		t.Fatalf("New = %v; want the misspelt key refused", err)
	}
}
