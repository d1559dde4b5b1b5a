package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// notCreatedBackend writes the definition of "nolog" but cannot create
// its service, as superd when its log directory is refused.
type notCreatedBackend struct{ *fakeBackend }

func (b notCreatedBackend) PutDefinition(ctx context.Context, name string, data []byte, opts transport.WriteOptions) (transport.DefinitionResult, error) {
	if name != "nolog" {
		return b.fakeBackend.PutDefinition(ctx, name, data, opts)
	}
	res := transport.DefinitionResult{Name: name, Action: transport.ActionCreated, Hash: config.ContentHash(data)}
	return res, fmt.Errorf("service nolog not created: logs: not a directory (nolog.service is written)%w", errNotCreated)
}

// errNotCreated makes an error match transport.ErrNotCreated without
// adding to its text.
var errNotCreated = quietError{transport.ErrNotCreated}

type quietError struct{ err error }

func (quietError) Error() string   { return "" }
func (e quietError) Unwrap() error { return e.err }

// supers apply of a file superd writes but whose service it cannot create
// says so, with why, and fails; the other files are applied.
func TestApplyNotCreated(t *testing.T) {
	socket := startDaemon(t, notCreatedBackend{withDefs()})
	dir := writeFiles(t, map[string]string{
		"nolog.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"new.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
	})
	nolog, other := filepath.Join(dir, "nolog.service"), filepath.Join(dir, "new.service")
	r := runAgainst(t, socket, "apply", nolog, other)
	if r.code != exitError || r.stdout != "nolog: not created (its file is written)\nnew: created\n" ||
		!strings.HasPrefix(r.stderr, "supers: apply "+nolog+": service nolog not created: logs: not a directory") {
		t.Errorf("apply: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	r = runAgainst(t, socket, "--json", "apply", nolog)
	var res []transport.DefinitionResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != exitError || len(res) != 1 ||
		res[0].Action != transport.ActionNotCreated || res[0].Hash == "" || !strings.Contains(res[0].Error, "not a directory") {
		t.Errorf("--json apply: code %d, stdout %q (%v)", r.code, r.stdout, err)
	}
}
