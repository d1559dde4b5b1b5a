//go:build unix

package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chainFixture is a temporary tree for checkFileChain: base, ours (mode
// 0700, under the system's temporary directory, which is sticky and
// writable by every user: ancestors are not checked), with the
// directories and files tests make in it.
type chainFixture struct {
	t    *testing.T
	base string
}

func newChainFixture(t *testing.T) *chainFixture {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &chainFixture{t: t, base: base}
}

// dir makes base/name, mode 0755, and returns its path.
func (f *chainFixture) dir(name string) string {
	f.t.Helper()
	p := filepath.Join(f.base, name)
	if err := os.Mkdir(p, 0o755); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// file writes an environment file, mode 0644, at base/name.
func (f *chainFixture) file(name string) string {
	f.t.Helper()
	p := filepath.Join(f.base, name)
	if err := os.WriteFile(p, []byte("A=1\n"), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// link makes base/name a symbolic link to target.
func (f *chainFixture) link(target, name string) string {
	f.t.Helper()
	p := filepath.Join(f.base, name)
	if err := os.Symlink(target, p); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// assertRefused checks that checkFileChain refuses path, with an error
// wrapping ErrUntrusted that names dir and says want, while the file it
// leads to passes the check of readTrusted (so that only the chain is at
// fault).
func assertRefused(t *testing.T, path, dir, want string) {
	t.Helper()
	if _, err := readFileChecked(path, checkTrusted); err != nil {
		t.Fatalf("the file %s itself is refused: %v", path, err)
	}
	err := checkFileChain(path)
	if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "directory "+dir+",") ||
		!strings.Contains(err.Error(), want) {
		t.Errorf("checkFileChain(%s) = %v; want ErrUntrusted naming directory %s and saying %q", path, err, dir, want)
	} else {
		t.Logf("refused: %v", err)
	}
}

// TestFileChainAccepted: files of ours in directories of ours, directly
// or through links held by directories of ours, pass; so does a missing
// file, with the error readFile gives.
func TestFileChainAccepted(t *testing.T) {
	f := newChainFixture(t)
	f.dir("etc")
	f.dir("srv")
	env := f.file("srv/app.env")
	f.link(env, "etc/app.env")
	f.link("../etc/app.env", "srv/rel.env")
	for _, p := range []string{env, filepath.Join(f.base, "etc/app.env"), filepath.Join(f.base, "srv/rel.env")} {
		if err := checkFileChain(p); err != nil {
			t.Errorf("checkFileChain(%s): %v", p, err)
		}
	}
	if os.Geteuid() == 0 {
		// Group 0 is root's: it may write.
		if err := os.Chmod(filepath.Join(f.base, "srv"), 0o775); err != nil {
			t.Fatal(err)
		}
		if err := checkFileChain(env); err != nil {
			t.Errorf("checkFileChain of a file in a dir of mode 0775, group 0: %v", err)
		}
	}

	missing := filepath.Join(f.base, "etc/missing.env")
	err := checkFileChain(missing)
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrUntrusted) || strings.Contains(err.Error(), missing) {
		t.Errorf("checkFileChain of a missing file: %v; want fs.ErrNotExist, without the path", err)
	}
}

// TestFileChainDirOthersMayWrite: a file in a directory every user may
// write (sticky or not: anyone may add a file there), reached directly or
// through a link held by a directory of ours, is refused.
func TestFileChainDirOthersMayWrite(t *testing.T) {
	for _, mode := range []os.FileMode{0o777, 0o777 | os.ModeSticky} {
		f := newChainFixture(t)
		f.dir("etc")
		open := f.dir("open")
		env := f.file("open/app.env")
		if err := os.Chmod(open, mode); err != nil {
			t.Fatal(err)
		}
		link := f.link(env, "etc/app.env")
		shown := "every user may write it (mode 0777)"
		if mode&os.ModeSticky != 0 {
			shown = "every user may write it (mode 1777)" // as chmod writes it
		}
		assertRefused(t, env, open, shown)
		assertRefused(t, link, open, shown)
	}
}

// TestFileChainSymlinkIntoDirOfAnotherUser: a service file of ours linked
// into a directory that another user owns; that user could replace the
// file the link leads to (the file itself is root's) with a link to any
// file of root's whose content they write, a service's log say.
func TestFileChainSymlinkIntoDirOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	f := newChainFixture(t)
	f.dir("etc")
	home := f.dir("home")
	target := f.file("home/app.service")
	if err := os.Chown(home, 54321, 54321); err != nil {
		t.Fatal(err)
	}
	link := f.link(target, "etc/app.service")
	assertRefused(t, link, home, "belongs to uid 54321")

	// A directory another group may write.
	group := f.dir("group")
	target = f.file("group/app.service")
	if err := os.Chown(group, 0, 54321); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(group, 0o775); err != nil {
		t.Fatal(err)
	}
	assertRefused(t, target, group, "group 54321 may write it")
}

// TestFileChainIntermediateLink is etc/app.env -> mid/l2 -> real/app.env:
// the directory holding l2 is neither the link's nor the file's, yet
// whoever may write in it can repoint l2.
func TestFileChainIntermediateLink(t *testing.T) {
	spoil := map[string]func(string) error{
		"mode 0777": func(d string) error { return os.Chmod(d, 0o777) },
	}
	want := map[string]string{"mode 0777": "every user may write it (mode 0777)"}
	if os.Geteuid() == 0 {
		spoil["another user's"] = func(d string) error { return os.Chown(d, 54321, 54321) }
		want["another user's"] = "belongs to uid 54321"
	}
	for name, spoil := range spoil {
		t.Run(name, func(t *testing.T) {
			f := newChainFixture(t)
			f.dir("etc")
			mid := f.dir("mid")
			f.dir("real")
			f.file("real/app.env")
			f.link("../real/app.env", "mid/l2")
			path := f.link(filepath.Join(mid, "l2"), "etc/app.env")
			if err := checkFileChain(path); err != nil {
				t.Fatalf("checkFileChain(%s) before mid is spoilt: %v", path, err)
			}
			if err := spoil(mid); err != nil {
				t.Fatal(err)
			}
			assertRefused(t, path, mid, want[name])
			if err := checkFileChain(path); err != nil && !strings.Contains(err.Error(), "holds a symbolic link") {
				t.Errorf("error %q does not say that mid holds a link", err)
			}
		})
	}
}

// TestFileChainLinkOfAnotherUser: a link another user made in a sticky
// directory is theirs to replace; the refusal wraps ErrUntrusted too.
func TestFileChainLinkOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a symbolic link to another user")
	}
	f := newChainFixture(t)
	shared := f.dir("shared")
	f.dir("real")
	env := f.file("real/app.env")
	link := f.link(env, "shared/app.env")
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, 54321, 54321); err != nil {
		t.Fatal(err)
	}
	err := checkFileChain(link)
	if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "belongs to uid 54321") {
		t.Errorf("checkFileChain(%s) = %v, want ErrUntrusted naming uid 54321", link, err)
	}
}
