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
	"github.com/supers-dev/supers/transport"
)

// changedMarks returns the services that List marks as changed on disk.
func changedMarks(t *testing.T, sup *actors.Supervisor) []string {
	t.Helper()
	l, err := sup.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range l {
		if s.ConfigChanged {
			out = append(out, s.Name)
		}
	}
	return out
}

// A config dir that went away (renamed, an unmounted volume) marked every
// service as changed on disk, "run supers reload", and the reload then
// failed. Nothing is marked while a reload could not load anything, and
// the config errors say why instead, naming the dir.
func TestStaleMarksWhileConfigDirMissing(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sup := embeddedOn(t, dir, map[string]string{
		"web.service": "[Service]\nExecStart=sleep 65\n",
		"db.service":  "[Service]\nExecStart=sleep 66\n",
	})
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(dir, "db.service"), []byte("[Service]\nExecStart=sleep 67\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := changedMarks(t, sup); len(got) != 1 || got[0] != "db" {
		t.Fatalf("after editing db.service: marked %q, want [db]", got)
	}
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	if got := changedMarks(t, sup); len(got) != 0 {
		t.Errorf("config dir missing: marked %q, want none", got)
	}
	if st, err := sup.Status(ctx, "web"); err != nil || st.ConfigChanged {
		t.Errorf("config dir missing: Status(web) = %+v, %v; want not changed", st, err)
	}
	errs, err := sup.ConfigErrors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || !errs[0].Dir || errs[0].File != dir ||
		!strings.Contains(errs[0].Message, "config dir "+dir+": no such file or directory") {
		t.Errorf("config dir missing: ConfigErrors = %+v; want one entry about the dir %s", errs, dir)
	}
	if _, err := sup.Reload(ctx); !errors.Is(err, transport.ErrConfigUnavailable) || !strings.Contains(err.Error(), dir) {
		t.Errorf("Reload = %v; want ErrConfigUnavailable naming %s", err, dir)
	}

	if err := os.Rename(dir+".old", dir); err != nil {
		t.Fatal(err)
	}
	if got := changedMarks(t, sup); len(got) != 1 || got[0] != "db" {
		t.Errorf("config dir back: marked %q, want [db]", got)
	}
	if errs, err := sup.ConfigErrors(ctx); err != nil || len(errs) != 0 {
		t.Errorf("config dir back: ConfigErrors = %+v, %v; want none", errs, err)
	}
}

// A changed file that the ownership rule refuses (writable by every user)
// was marked as changed, suggesting a reload that would only refuse it.
// It is not marked; the config errors give the refusal and its remedy.
func TestStaleMarkOfRefusedFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the test makes a file writable by every user, which only root's superd refuses alike for every owner")
	}
	dir := t.TempDir()
	sup := embeddedOn(t, dir, map[string]string{"web.service": "[Service]\nExecStart=sleep 65\n"})
	ctx := context.Background()
	file := filepath.Join(dir, "web.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=sleep 66\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o646); err != nil {
		t.Fatal(err)
	}
	if st, err := sup.Status(ctx, "web"); err != nil || st.ConfigChanged {
		t.Errorf("refused file: Status = %+v, %v; want not changed", st, err)
	}
	if got := changedMarks(t, sup); len(got) != 0 {
		t.Errorf("refused file: marked %q, want none", got)
	}
	errs, err := sup.ConfigErrors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].File != file || errs[0].Dir ||
		!strings.Contains(errs[0].Message, "writable by another user") || !strings.Contains(errs[0].Message, "chmod o-w") {
		t.Errorf("refused file: ConfigErrors = %+v; want its refusal", errs)
	}

	// Made acceptable: a reload would apply it.
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := changedMarks(t, sup); len(got) != 1 || got[0] != "web" {
		t.Errorf("file fixed: marked %q, want [web]", got)
	}
	if errs, err := sup.ConfigErrors(ctx); err != nil || len(errs) != 0 {
		t.Errorf("file fixed: ConfigErrors = %+v, %v; want none", errs, err)
	}
}
