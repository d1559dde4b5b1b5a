package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDraftSkipsEnvironmentFilesItCannotRead checks that ParseDraft, the
// parse of `supers check FILE` (a file checked for another machine, in a
// build pipeline), takes an EnvironmentFile= that is missing as no error,
// where ParseFile refuses it, and still checks one it can read.
func TestDraftSkipsEnvironmentFilesItCannotRead(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "not-on-this-machine.env")
	svc := filepath.Join(dir, "web.service")
	if err := os.WriteFile(svc, []byte("[Service]\nExecStart=/bin/true\nEnvironmentFile="+missing+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(svc); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ParseFile with a missing EnvironmentFile=: %v, want ErrNotExist", err)
	}
	s, err := ParseDraft(svc)
	if err != nil {
		t.Fatalf("ParseDraft with a missing EnvironmentFile=: %v, want it parsed", err)
	}
	if len(s.EnvironmentFiles) != 1 || s.EnvironmentFiles[0] != missing {
		t.Errorf("EnvironmentFiles = %q, want the missing file named", s.EnvironmentFiles)
	}

	// Nor is a path this machine cannot follow: through a file, a loop of
	// links, or to a directory.
	loop := filepath.Join(dir, "loop.env")
	if err := os.Symlink("loop.env", loop); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(svc, "app.env"), loop, dir} {
		if err := os.WriteFile(svc, []byte("[Service]\nExecStart=/bin/true\nEnvironmentFile="+p+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseDraft(svc); err != nil {
			t.Errorf("ParseDraft with EnvironmentFile=%s: %v, want it parsed", p, err)
		}
	}

	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("GOOD=1\nnot an assignment\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(svc, []byte("[Service]\nExecStart=/bin/true\nEnvironmentFile="+bad+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseDraft(svc); err == nil || !strings.Contains(err.Error(), bad+":2") {
		t.Errorf("ParseDraft with an invalid EnvironmentFile=: %v, want its line 2 named", err)
	}
}
