//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// The definition writes a program makes on behalf of clients fail as the
// package documentation says: a write the access rules refuse matches
// transport.ErrForbidden, one whose If-Match does not match
// transport.ErrPreconditionFailed, and neither changes the file.
func TestEmbedDefinitionWriteErrors(t *testing.T) {
	dir := t.TempDir()
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	ctx := context.Background()
	def := []byte("[Service]\nExecStart=/bin/sleep 60\nAutoStart=no\n")
	put, err := sup.PutDefinition(ctx, "web", def, transport.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	file := dir + "/web.service"
	check := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want an error matching %v", what, err, want)
		}
		if data, rerr := os.ReadFile(file); rerr != nil || string(data) != string(def) {
			t.Errorf("%s changed web.service: %q, %v", what, data, rerr)
		}
	}

	other := []byte("[Service]\nExecStart=/bin/sleep 61\nAutoStart=no\n")
	remote := transport.WriteOptions{Caller: transport.Caller{Remote: true, UID: -1}}
	_, err = sup.PutDefinition(ctx, "web", other, remote)
	check("PutDefinition over HTTP without AllowRemoteEdit", err, transport.ErrForbidden)
	_, err = sup.DeleteDefinition(ctx, "web", remote)
	check("DeleteDefinition over HTTP without AllowRemoteEdit", err, transport.ErrForbidden)

	stale := transport.WriteOptions{IfMatch: "0000"}
	_, err = sup.PutDefinition(ctx, "web", other, stale)
	check("PutDefinition with a stale If-Match", err, transport.ErrPreconditionFailed)
	_, err = sup.DeleteDefinition(ctx, "web", stale)
	check("DeleteDefinition with a stale If-Match", err, transport.ErrPreconditionFailed)
	if _, err := sup.PutDefinition(ctx, "new", other, transport.WriteOptions{IfMatch: "*"}); !errors.Is(err, transport.ErrPreconditionFailed) {
		t.Errorf("PutDefinition of a missing file with If-Match *: %v, want ErrPreconditionFailed", err)
	}
	if _, err := os.Stat(dir + "/new.service"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("new.service written by a refused write: %v", err)
	}

	// The current hash lets the write through.
	if _, err := sup.PutDefinition(ctx, "web", other, transport.WriteOptions{IfMatch: put.Hash}); err != nil {
		t.Fatalf("PutDefinition with the current If-Match: %v", err)
	}
}

// A socket user other than root and the supervisor's own may write only
// definitions that run as itself: another is refused with ErrForbidden.
func TestEmbedDefinitionWriteOfOtherUserForbidden(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the definition must run as a user the caller is not")
	}
	dir := t.TempDir()
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	socketUser := transport.WriteOptions{Caller: transport.Caller{UID: 65534}}
	_, err := sup.PutDefinition(context.Background(), "web", []byte("[Service]\nExecStart=/bin/sleep 60\nUser=0\nAutoStart=no\n"), socketUser)
	if !errors.Is(err, transport.ErrForbidden) {
		t.Fatalf("PutDefinition of a root service by uid 65534: %v, want ErrForbidden", err)
	}
	if _, err := os.Stat(dir + "/web.service"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("web.service written by a refused write: %v", err)
	}
}
