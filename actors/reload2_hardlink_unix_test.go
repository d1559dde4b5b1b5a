//go:build unix

package actors

import (
	"os"
	"path/filepath"
	"testing"
)

// hardLinked names a service file that has another name, through the
// symbolic links on the way to it, and no other file.
func TestReloadHardLinked(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	plain, linked := filepath.Join(dir, "plain.service"), filepath.Join(dir, "linked.service")
	for _, p := range []string{plain, linked} {
		if err := os.WriteFile(p, []byte("[Service]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Link(linked, filepath.Join(dir, "other")))
	must(os.Symlink(linked, filepath.Join(dir, "via.service")))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))

	for path, want := range map[string]string{
		plain:                              "",
		linked:                             linked,
		filepath.Join(dir, "via.service"):  linked,
		filepath.Join(dir, "none.service"): "",
		filepath.Join(dir, "sub"):          "",
	} {
		got, ok := hardLinked(path)
		if got != want || ok != (want != "") {
			t.Errorf("hardLinked(%s) = %q, %v; want %q", path, got, ok, want)
		}
	}
}
