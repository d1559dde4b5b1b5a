//go:build linux

package pathsafe

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// MakeDirs makes a directory in one its user may write and search but not
// read (mode 0300), as os.MkdirAll does: it opened the nearest existing
// directory for reading, and failed there ("permission denied") for a
// superd not run as root.
func TestMakeDirsNeedsNoReadPermission(t *testing.T) {
	if dir := os.Getenv("PATHSAFE_MAKEDIRS_IN"); dir != "" {
		// The helper, as nobody.
		if err := MakeDirs(filepath.Join(dir, "a", "b"), 0o750); err != nil {
			t.Fatalf("MakeDirs as uid %d: %v", os.Geteuid(), err)
		}
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the helper as another user")
	}
	const nobody = 65534
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} { // TempDir's are 0700
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	drop := filepath.Join(base, "drop")
	if err := os.Mkdir(drop, 0o300); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(drop, 0o300); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(drop, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	// The test binary where nobody may run it.
	bin := filepath.Join(base, "pathsafe.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestMakeDirsNeedsNoReadPermission$")
	cmd.Dir = base
	cmd.Env = append(os.Environ(), "PATHSAFE_MAKEDIRS_IN="+drop)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	fi, err := os.Stat(filepath.Join(drop, "a", "b"))
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o750 {
		t.Fatalf("made: %v, %v; want a directory of mode 0750", fi, err)
	}
}
