//go:build unix

package actors

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReloadLinkChain: the entries on the way from a service file that is
// a symbolic link to the file it resolves to, by directory, every one
// after the first link but those of / and sticky directories; none for a
// regular file; a loop or a missing target ends the chain.
func TestReloadLinkChain(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	conf, opt := filepath.Join(root, "conf"), filepath.Join(root, "opt")
	for _, d := range []string{conf, filepath.Join(opt, "r1")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(conf, "plain.service"), nil, 0o644))
	must(os.WriteFile(filepath.Join(opt, "r1", "app.service"), nil, 0o644))
	must(os.Symlink("r1", filepath.Join(opt, "current")))
	must(os.Symlink("../opt/current/app.service", filepath.Join(conf, "app.service")))
	must(os.Symlink("loop.service", filepath.Join(conf, "loop.service")))
	must(os.Symlink(filepath.Join(opt, "none", "x.service"), filepath.Join(conf, "gone.service")))

	if got := linkChain(conf, "plain.service"); got != nil {
		t.Errorf("plain file: %v, want nil", got)
	}
	got := linkChain(conf, "app.service")
	// The directories after the first link too (opt, r1): moved aside and
	// made again, they are others.
	for _, want := range [][2]string{{conf, "app.service"}, {root, "opt"}, {opt, "current"}, {opt, "r1"}, {filepath.Join(opt, "r1"), "app.service"}} {
		if !got[want[0]][want[1]] {
			t.Errorf("app.service: %v lacks %s/%s", got, want[0], want[1])
		}
	}
	// An absolute target: not / nor a sticky directory such as /tmp,
	// where anyone's files come and go.
	must(os.Symlink(filepath.Join(opt, "r1", "app.service"), filepath.Join(conf, "abs.service")))
	for dir := range linkChain(conf, "abs.service") {
		if sharedDir(dir) {
			t.Errorf("abs.service: %s is watched", dir)
		}
	}
	if got := linkChain(conf, "abs.service"); !got[opt]["r1"] {
		t.Errorf("abs.service: %v lacks %s/r1", got, opt)
	}
	if got := linkChain(conf, "loop.service"); !got[conf]["loop.service"] {
		t.Errorf("loop: %v", got)
	}
	if got := linkChain(conf, "gone.service"); !got[opt]["none"] {
		t.Errorf("missing target: %v, want %s/none watched for", got, opt)
	}
}
