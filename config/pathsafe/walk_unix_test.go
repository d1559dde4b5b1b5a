//go:build unix

package pathsafe

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// realTempDir returns a new temporary directory by its real path (the
// system's temporary directory may itself be reached through a link, as
// /tmp is on macOS).
func realTempDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// mkdirs creates each of dirs, under base.
func mkdirs(t *testing.T, base string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// symlink makes base/link a symbolic link to target, as given.
func symlink(t *testing.T, target, base, link string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(base, link)); err != nil {
		t.Fatal(err)
	}
}

// walkRoles walks path and returns its result and the roles check was
// given for each directory, failing the test if one comes twice.
func walkRoles(t *testing.T, path string) (string, map[string]Role, []string, error) {
	t.Helper()
	roles := map[string]Role{}
	var order []string
	end, err := Walk(path, func(dir string, fi fs.FileInfo, role Role) error {
		if _, dup := roles[dir]; dup {
			t.Errorf("check called twice for %s", dir)
		}
		if !fi.IsDir() {
			t.Errorf("check called for %s, which is not a directory (%v)", dir, fi.Mode())
		}
		roles[dir] = role
		order = append(order, dir)
		return nil
	})
	return end, roles, order, err
}

// TestWalkResolvesAsTheKernel checks that Walk ends where the kernel's own
// resolution does (the same file as os.Stat's), for absolute and relative
// links, chains of links, ".." after a link (the target's parent, not the
// link's) and relative paths.
func TestWalkResolvesAsTheKernel(t *testing.T) {
	base := realTempDir(t)
	mkdirs(t, base, "a/b/c", "d/e", "f")
	if err := os.WriteFile(filepath.Join(base, "a/b/c/file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, filepath.Join(base, "a/b"), base, "abs")      // absolute
	symlink(t, "b/c", base, "a/rel")                         // relative, down
	symlink(t, "../../a/b/c", base, "d/e/up")                // relative, up
	symlink(t, "../d/e/up", base, "f/chain")                 // to a link
	symlink(t, "file", base, "a/b/c/flink")                  // to a file
	symlink(t, filepath.Join(base, "f/chain/"), base, "tsl") // trailing slash
	for _, p := range []string{
		"abs", "abs/c", "abs/..", "abs/c/../..", "a/rel", "a/rel/..", "a/rel/../../../d",
		"d/e/up", "d/e/up/..", "f/chain", "f/chain/../../..", "f/chain/file",
		"a/b/c/flink", "abs/c/flink", "tsl", "tsl/", "tsl/.", "./a//b/./c/",
		"f/chain/flink",
	} {
		path := filepath.Join(base, p) // cleans: keep ".." after links raw
		if strings.Contains(p, "..") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") || strings.Contains(p, "/.") {
			path = base + "/" + p
		}
		end, _, _, err := walkRoles(t, path)
		if err != nil {
			t.Errorf("Walk(%s): %v", p, err)
			continue
		}
		want, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.Lstat(end)
		if err != nil {
			t.Errorf("Walk(%s) = %s: %v", p, end, err)
			continue
		}
		if !os.SameFile(got, want) || got.Mode()&fs.ModeSymlink != 0 {
			t.Errorf("Walk(%s) = %s, which is not the file the kernel finds", p, end)
		}
		if real, err := filepath.EvalSymlinks(path); err == nil && !strings.Contains(p, "..") && real != end {
			t.Errorf("Walk(%s) = %s, EvalSymlinks says %s", p, end, real)
		}
	}

	// Relative to the working directory.
	t.Chdir(filepath.Join(base, "f"))
	end, _, _, err := walkRoles(t, "chain/../c/file")
	if want := filepath.Join(base, "a/b/c/file"); err != nil || end != want {
		t.Errorf("Walk(chain/../c/file) in f = %s, %v; want %s", end, err, want)
	}
}

// TestWalkChecksEveryDirThatCouldRedirect is the chain x/l1 -> y/l2 ->
// z/real: whoever may write in y can repoint l2, so y must be checked,
// although it is neither on the path as given nor above its end.
func TestWalkChecksEveryDirThatCouldRedirect(t *testing.T) {
	base := realTempDir(t)
	mkdirs(t, base, "x", "y", "z/real/sub")
	symlink(t, filepath.Join(base, "y/l2"), base, "x/l1")
	symlink(t, "../z/real", base, "y/l2")

	end, roles, order, err := walkRoles(t, filepath.Join(base, "x/l1/sub"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "z/real/sub"); end != want {
		t.Errorf("end %s, want %s", end, want)
	}
	want := map[string]Role{
		base + "/x":          HoldsLink,
		base + "/y":          HoldsLink,
		base + "/z":          0,
		base + "/z/real":     HoldsEnd,
		base + "/z/real/sub": IsEnd,
	}
	for d := base; ; d = filepath.Dir(d) {
		want[d] = 0 // every ancestor, up to /
		if d == "/" {
			break
		}
	}
	for d, r := range want {
		if got, ok := roles[d]; !ok || got != r {
			t.Errorf("%s: role %v (checked: %v), want %v", d, got, ok, r)
		}
	}
	for d := range roles {
		if _, ok := want[d]; !ok {
			t.Errorf("%s checked, which cannot redirect the path", d)
		}
	}
	if order[0] != "/" || order[len(order)-1] != end {
		t.Errorf("order %v: want / first and the end last", order)
	}

	// A directory both holding a link and being the end gets both roles.
	symlink(t, ".", base, "z/real/self")
	end, roles, _, err = walkRoles(t, filepath.Join(base, "z/real/self"))
	if err != nil || end != base+"/z/real" || roles[end] != HoldsLink|IsEnd || roles[base+"/z"] != HoldsEnd {
		t.Errorf("z/real/self: %s, %v, roles %v", end, err, roles)
	}

	// The path of / itself.
	end, roles, _, err = walkRoles(t, "/")
	if err != nil || end != "/" || len(roles) != 1 || roles["/"] != IsEnd {
		t.Errorf("Walk(/) = %s, %v, roles %v", end, err, roles)
	}
}

// TestWalkStopsAtTheFirstRefusal checks that the check's error is returned
// as it is, and that the walk stops there.
func TestWalkStopsAtTheFirstRefusal(t *testing.T) {
	base := realTempDir(t)
	mkdirs(t, base, "x", "y/real")
	symlink(t, filepath.Join(base, "y/real"), base, "x/l")
	refused := errors.New("refused")
	var after []string
	_, err := Walk(filepath.Join(base, "x/l"), func(dir string, _ fs.FileInfo, _ Role) error {
		if dir == base+"/y" {
			return refused
		}
		if strings.HasPrefix(dir, base+"/y/") {
			after = append(after, dir)
		}
		return nil
	})
	if err != refused {
		t.Errorf("err = %v, want the check's own", err)
	}
	if after != nil {
		t.Errorf("checked %v after the refusal", after)
	}
}

// TestWalkErrors checks the paths that cannot be resolved: nothing is
// checked, and the error says why.
func TestWalkErrors(t *testing.T) {
	base := realTempDir(t)
	mkdirs(t, base, "d")
	if err := os.WriteFile(filepath.Join(base, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, "loop2", base, "loop1")
	symlink(t, "loop1", base, "loop2")
	symlink(t, "nowhere", base, "dangling")
	for _, c := range []struct {
		path string
		want error
	}{
		{"loop1", syscall.ELOOP},
		{"loop1/x", syscall.ELOOP},
		{"dangling", fs.ErrNotExist},
		{"d/missing/x", fs.ErrNotExist},
		{"file/x", syscall.ENOTDIR},
		{"file/", syscall.ENOTDIR},
		{"file/..", syscall.ENOTDIR},
	} {
		checked := false
		_, err := Walk(base+"/"+c.path, func(string, fs.FileInfo, Role) error {
			checked = true
			return nil
		})
		if !errors.Is(err, c.want) || checked {
			t.Errorf("Walk(%s): %v (checked: %v), want %v", c.path, err, checked, c.want)
		}
	}
	if _, err := Walk("", func(string, fs.FileInfo, Role) error { return nil }); err == nil {
		t.Error("Walk of an empty path succeeded")
	}
}

// TestWalkRefusesLinkOthersMayReplace checks a symbolic link in a sticky
// directory, like /tmp: its owner may remove it and make another there,
// whoever owns the directory. One of root, of ours or of the directory's
// owner is followed.
func TestWalkRefusesLinkOthersMayReplace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a symbolic link to another user")
	}
	base := realTempDir(t)
	mkdirs(t, base, "shared", "real")
	if err := os.Chmod(filepath.Join(base, "shared"), 0o777|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "shared/l")
	symlink(t, filepath.Join(base, "real"), base, "shared/l")
	noCheck := func(string, fs.FileInfo, Role) error { return nil }
	if _, err := Walk(link, noCheck); err != nil {
		t.Errorf("a link of ours: %v", err)
	}
	if err := os.Lchown(link, 54321, 54321); err != nil {
		t.Fatal(err)
	}
	var le *LinkError
	if _, err := Walk(link, noCheck); !errors.As(err, &le) || le.Link != link || le.UID != 54321 ||
		!strings.Contains(err.Error(), "belongs to uid 54321") {
		t.Errorf("a link of uid 54321 in a sticky directory: %v, want a *LinkError", err)
	}
	if err := os.Chown(filepath.Join(base, "shared"), 54321, 54321); err != nil {
		t.Fatal(err)
	}
	if _, err := Walk(link, noCheck); err != nil {
		t.Errorf("a link of the sticky directory's owner: %v", err)
	}
}
