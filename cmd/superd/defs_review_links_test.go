//go:build linux

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// A service file with another name (a hard link, made by whoever deploys
// it) is not replaced by a PUT: the rename would leave the other name with
// the old text, and later edits through it (which --watch follows) would
// be silently ignored, as they would for the target of a symbolic link.
func TestDefsReviewPutHardLinked(t *testing.T) {
	orig := "[Service]\nExecStart=/bin/sleep 1000\n"
	d := newDaemon(t, map[string]string{"hl.service": orig}).start()
	before := d.waitRunning("hl")
	file := filepath.Join(d.dir, "hl.service")
	other := filepath.Join(t.TempDir(), "hl.service")
	if err := os.Link(file, other); err != nil {
		t.Fatal(err)
	}
	a := want(t, d.socketAPI().do("PUT", "/v1/services/hl/definition", []byte("[Service]\nExecStart=/bin/sleep 2000\n")), 409, "PUT over a hard-linked file")
	if !strings.Contains(string(a.body), "hard link") {
		t.Errorf("the 409 does not say why: %s", a)
	}
	var fst, ost syscall.Stat_t
	if err := syscall.Stat(file, &fst); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Stat(other, &ost); err != nil {
		t.Fatal(err)
	}
	if fst.Ino != ost.Ino {
		t.Errorf("the service file was replaced: its other name no longer is it")
	}
	if got, _ := os.ReadFile(file); string(got) != orig {
		t.Errorf("the file changed: %q", got)
	}
	if st := d.status("hl"); st.PID != before.PID {
		t.Errorf("hl was restarted: %+v", st)
	}
	// The CLI says so too, naming the file.
	src := filepath.Join(t.TempDir(), "hl.service")
	if err := os.WriteFile(src, []byte("[Service]\nExecStart=/bin/sleep 3000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := d.cli("apply", src); code != 1 || !strings.Contains(errOut, "hard link") || !strings.Contains(errOut, file) {
		t.Errorf("apply over a hard-linked file: exit %d, stderr %q", code, errOut)
	}
	// supers edit says so before the editor runs (it used to say it
	// once the whole edit was done), and the definition's GET tells why.
	checkEditRefusedEarly(t, d, "hl", "hard link")

	// Once it has one name again, it is replaced as any other.
	if err := os.Remove(other); err != nil {
		t.Fatal(err)
	}
	if def, err := d.client.Definition(t.Context(), "hl"); err != nil || def.Unwritable != "" {
		t.Errorf("definition once the other name is gone: %+v, %v; want no unwritable", def, err)
	}
	want(t, d.socketAPI().do("PUT", "/v1/services/hl/definition", []byte("[Service]\nExecStart=/bin/sleep 2000\n")), 200, "PUT once the other name is gone")
}

// A service file that is a symbolic link to nothing is a file that did not
// load (a reload lists it): cat says what it is rather than that there is
// no file, and rm moves the link to the trash as it does any other file.
func TestDefsReviewDanglingLink(t *testing.T) {
	d := newDaemon(t, nil).start()
	target := filepath.Join(t.TempDir(), "gone.service")
	link := filepath.Join(d.dir, "dang.service")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	sock := d.socketAPI()
	a := want(t, sock.do("GET", "/v1/services/dang/definition", nil), 404, "GET of a dangling link")
	if !strings.Contains(string(a.body), "symbolic link") || !strings.Contains(string(a.body), target) {
		t.Errorf("the 404 does not say the file is a link to a missing file: %s", a)
	}
	if _, errOut, code := d.cli("cat", "dang"); code != 4 || strings.Contains(errOut, "(no file") || !strings.Contains(errOut, target) {
		t.Errorf("cat of a dangling link: exit %d, stderr %q", code, errOut)
	}
	want(t, sock.do("DELETE", "/v1/services/dang/definition", nil, "If-Match", "*"), 412, "DELETE If-Match: * of a dangling link")
	var res transport.DefinitionResult
	want(t, sock.do("DELETE", "/v1/services/dang/definition", nil), 200, "DELETE of a dangling link").decode(t, &res)
	if res.Action != transport.ActionDeleted || filepath.Dir(res.Trash) != filepath.Join(d.dir, ".trash") {
		t.Fatalf("DELETE: %+v", res)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("the link is still there: %v", err)
	}
	if fi, err := os.Lstat(res.Trash); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the trash does not hold the link: %v, %v", fi, err)
	} else if got, _ := os.Readlink(res.Trash); got != target {
		t.Errorf("the trashed link points to %q, want %q", got, target)
	}
	want(t, sock.do("DELETE", "/v1/services/dang/definition", nil), 404, "DELETE once the link is gone")
}

// A service file over the size limit (written by hand) is a file that did
// not load: GET says what is wrong with it (a 409, not a 500), PUT asks
// for its removal first, and DELETE moves it to the trash as any other.
func TestDefsReviewOversizedFile(t *testing.T) {
	big := "[Service]\nExecStart=/bin/sleep 1000\n" + strings.Repeat("#", 1<<20)
	d := newDaemon(t, map[string]string{"big.service": big}).start()
	sock := d.socketAPI()
	a := want(t, sock.do("GET", "/v1/services/big/definition", nil), 409, "GET of an oversized file")
	if !strings.Contains(string(a.body), "too large") {
		t.Errorf("the 409 does not say the file is too large: %s", a)
	}
	a = want(t, sock.do("PUT", "/v1/services/big/definition", []byte("[Service]\nExecStart=/bin/sleep 1000\n")), 409, "PUT over an oversized file")
	if !strings.Contains(string(a.body), "too large") {
		t.Errorf("the 409 does not say the file is too large: %s", a)
	}
	want(t, sock.do("DELETE", "/v1/services/big/definition", nil, "If-Match", "*"), 412, "DELETE If-Match: * of an oversized file")
	out, errOut, code := d.cli("rm", "big")
	if code != 0 || !strings.Contains(out, "big: deleted (moved to ") {
		t.Fatalf("rm of an oversized file: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "big.service")); !os.IsNotExist(err) {
		t.Errorf("the file is still there: %v", err)
	}
	trashed, _ := filepath.Glob(filepath.Join(d.dir, ".trash", "big.service.*"))
	if len(trashed) != 1 {
		t.Fatalf("the trash holds %q", trashed)
	}
	if got, _ := os.ReadFile(trashed[0]); string(got) != big {
		t.Errorf("the trashed file is not the file (%d bytes)", len(got))
	}
}

// checkEditRefusedEarly checks that supers edit of name refuses before
// running the editor, saying why (want), and that the definition's GET
// says it too.
func checkEditRefusedEarly(t *testing.T, d *daemon, name, want string) {
	t.Helper()
	if def, err := d.client.Definition(t.Context(), name); err != nil || !strings.Contains(def.Unwritable, want) {
		t.Errorf("definition of %s: %+v, %v; want unwritable saying %q", name, def, err, want)
	}
	work := t.TempDir()
	ran := filepath.Join(work, "editor-ran")
	editor := filepath.Join(work, "editor.sh")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\ntouch "+ran+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLIEnv(t, d.socket, []string{"EDITOR=" + editor, "VISUAL="}, "edit", name)
	if code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("edit %s: exit %d, stderr %q; want 1 saying %q", name, code, errOut, want)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Errorf("edit %s ran the editor of a file superd would not save", name)
	}
}

// A service file that is a symbolic link is not replaced by a PUT (its
// target is what to change): supers edit says so before the editor runs.
func TestEditOfALinkedFileIsRefusedBeforeTheEditor(t *testing.T) {
	target := filepath.Join(t.TempDir(), "real.service")
	if err := os.WriteFile(target, []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newDaemon(t, nil)
	if err := os.Symlink(target, filepath.Join(d.dir, "ln.service")); err != nil {
		t.Fatal(err)
	}
	d.start()
	d.waitRunning("ln")
	checkEditRefusedEarly(t, d, "ln", "symbolic link")
}
