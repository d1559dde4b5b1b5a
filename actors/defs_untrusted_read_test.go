//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// A definition is read back under the rules superd loads it by. A link in
// the config dir that goes through a directory another user may write
// could be pointed by that user at any file root may read (/etc/shadow):
// superd refused to load it, but the API showed its text to whoever may
// read definitions (a socket group's member, a token's holder). It is
// refused, and removed (to the trash) only by a caller who may write any
// definition. While the config dir itself is refused, no definition is
// shown, as none is written or removed.
func TestDefinitionThroughAnUntrustedLinkIsNotShown(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(secret, []byte("root:TOPSECRET:20228:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	open := t.TempDir()
	if err := os.Chmod(open, 0o777); err != nil { // anyone may replace what is in it
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(open, "lnk.service")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(open, "lnk.service"), filepath.Join(dir, "lnk.service")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.service"), []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	ctx := context.Background()

	def, err := sup.Definition(ctx, "lnk")
	if !errors.Is(err, transport.ErrConflict) || !errors.Is(err, config.ErrUntrusted) || strings.Contains(err.Error(), "TOPSECRET") || def.Text != "" {
		t.Fatalf("Definition through a link in a dir anyone may write: %q, %v; want ErrConflict and ErrUntrusted, nothing of the file shown", def.Text, err)
	}
	if !strings.Contains(err.Error(), "supers rm lnk moves the link to the trash") {
		t.Errorf("Definition through such a link: %v, want the remedy for a link (apply does not replace one)", err)
	}
	socketUser := transport.WriteOptions{Caller: transport.Caller{UID: 65534}}
	if _, err := sup.DeleteDefinition(ctx, "lnk", socketUser); !errors.Is(err, transport.ErrForbidden) || errors.Is(err, transport.ErrConflict) {
		t.Errorf("DeleteDefinition of the link by uid 65534: %v, want ErrForbidden alone", err)
	}
	res, err := sup.DeleteDefinition(ctx, "lnk", transport.WriteOptions{})
	if err != nil {
		t.Fatalf("DeleteDefinition of the link: %v", err)
	}
	if fi, err := os.Lstat(res.Trash); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the trash (%q) does not hold the link: %v", res.Trash, err)
	}
	if data, err := os.ReadFile(secret); err != nil || !strings.Contains(string(data), "TOPSECRET") {
		t.Errorf("the link's target changed: %q, %v", data, err)
	}

	// A file another user could have written is replaced (that is how it
	// is fixed) by a caller who may write any definition, not by one held
	// to its own.
	loose := filepath.Join(dir, "loose.service")
	if err := os.WriteFile(loose, []byte("[Service]\nExecStart=/bin/true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o666); err != nil {
		t.Fatal(err)
	}
	text := []byte("[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n")
	own := []byte("[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\nUser=65534\nGroup=65534\n")
	if _, err := sup.PutDefinition(ctx, "loose", own, socketUser); !errors.Is(err, transport.ErrForbidden) || !strings.Contains(err.Error(), "does not trust its file") {
		t.Errorf("PutDefinition of its own over a file anyone may write, by uid 65534: %v, want ErrForbidden for that file", err)
	}
	if _, err := sup.PutDefinition(ctx, "loose", text, transport.WriteOptions{IfMatch: "*"}); !errors.Is(err, transport.ErrPreconditionFailed) || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("PutDefinition with If-Match over a file superd does not trust: %v, want a 412 saying it cannot be read", err)
	}
	if _, err := sup.PutDefinition(ctx, "loose", text, transport.WriteOptions{}); err != nil {
		t.Fatalf("PutDefinition over a file anyone may write: %v", err)
	}
	if fi, err := os.Stat(loose); err != nil || fi.Mode().Perm()&0o022 != 0 {
		t.Errorf("the file replaced: %v, %v; want it written anew, only superd's to write", fi.Mode(), err)
	}

	if def, err := sup.Definition(ctx, "ok"); err != nil || !strings.Contains(def.Text, "ExecStart") {
		t.Fatalf("Definition of ok: %q, %v", def.Text, err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700) //nolint:errcheck // for TempDir's cleanup
	if def, err := sup.Definition(ctx, "ok"); !errors.Is(err, transport.ErrConfigUnavailable) || def.Text != "" ||
		strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("Definition while the config dir is writable by anyone: %q, %v; want ErrConfigUnavailable, worded for a read", def.Text, err)
	}
}

// A config dir reached through a link in a directory every user may write
// (sticky or not: the link's owner, or anyone, could repoint it) is
// refused as a whole: no file of it would load. Its definitions were
// read, and written, and GET's error sent the caller to rm or apply a
// file that was fine.
func TestConfigDirThroughAnUntrustedLinkIsRefused(t *testing.T) {
	real := t.TempDir()
	if err := os.WriteFile(filepath.Join(real, "ok.service"), []byte("[Service]\nExecStart=/bin/true\nAutoStart=no\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stk := t.TempDir()
	if err := os.Chmod(stk, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(stk, "conf")
	if err := os.Symlink(real, conf); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: conf})
	ctx := context.Background()
	if def, err := sup.Definition(ctx, "ok"); !errors.Is(err, transport.ErrConfigUnavailable) || def.Text != "" {
		t.Errorf("Definition in a config dir reached through a link anyone may replace: %q, %v; want ErrConfigUnavailable", def.Text, err)
	}
	if _, err := sup.PutDefinition(ctx, "new", []byte("[Service]\nExecStart=/bin/true\nAutoStart=no\n"), transport.WriteOptions{}); !errors.Is(err, transport.ErrConfigUnavailable) {
		t.Errorf("PutDefinition there: %v, want ErrConfigUnavailable", err)
	}
	if _, err := os.Lstat(filepath.Join(real, "new.service")); err == nil {
		t.Error("the refused PUT wrote its file")
	}
}
