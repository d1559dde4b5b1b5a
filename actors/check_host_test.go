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
