//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionOf checks the version the results give superd: the commit it
// was built from, marked when the tree was modified, and a
// -superd-version that does not name that commit shown with it.
func TestVersionOf(t *testing.T) {
	const rev = "9864f8a0123456789abcdef0123456789abcdef0"
	build := func(modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified},
		}}
	}
	for _, c := range []struct {
		release, modified string
		want              string
	}{
		{"", "false", "9864f8a01234"},
		{"", "true", "9864f8a01234-dirty"},
		{"9864f8a", "false", "9864f8a"},
		{"v0.3-12-g9864f8a", "false", "v0.3-12-g9864f8a"},
		{"v0.3-12-g9864f8a-dirty", "true", "v0.3-12-g9864f8a-dirty"},
		{"9864f8a", "true", "9864f8a (built from 9864f8a01234-dirty)"},
		{"v0.3-12-g9864f8a-dirty", "false", "v0.3-12-g9864f8a-dirty (built from 9864f8a01234)"},
		{"dev", "false", "dev (built from 9864f8a01234)"},
		{"c586dd9", "false", "c586dd9 (built from 9864f8a01234)"},
	} {
		if got := versionOf(c.release, build(c.modified)); got != c.want {
			t.Errorf("versionOf(%q), vcs.modified=%s: %q, want %q", c.release, c.modified, got, c.want)
		}
	}
	if got := versionOf("", nil); !strings.HasPrefix(got, "dev (commit unknown") {
		t.Errorf("versionOf without build info: %q", got)
	}
	if got := versionOf("9864f8a", &debug.BuildInfo{}); !strings.HasPrefix(got, "9864f8a (commit unknown") {
		t.Errorf("versionOf without a VCS stamp: %q", got)
	}
}

// TestBuiltVersion builds superd as superbench does and checks that the
// version recorded is the commit checked out here (when this is a git
// checkout with git at hand).
func TestBuiltVersion(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout, or no git: %v", err)
	}
	b := &bench{root: t.TempDir(), opt: options{goCmd: "go"}, reaper: &reaper{self: os.Getpid(), owned: map[int]bool{}}}
	bins, err := b.build(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := builtVersion(t.Context(), b.reaper, "", bins.superd)
	if want := strings.TrimSpace(string(head))[:12]; !strings.HasPrefix(got, want) {
		t.Errorf("builtVersion of %s: %q, want the commit %s", filepath.Base(bins.superd), got, want)
	}
	if got := builtVersion(t.Context(), b.reaper, "some-label", bins.superd); !strings.HasPrefix(got, "some-label (built from ") {
		t.Errorf("builtVersion with a label that is not the commit: %q", got)
	}
}

// TestGitInfo checks the commit and the state of a tree as git tells them,
// which builtVersion uses where Go did not stamp the build.
func TestGitInfo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	r := &reaper{self: os.Getpid(), owned: map[int]bool{}}
	dir := t.TempDir()
	if info := gitInfo(t.Context(), r, dir); info != nil {
		t.Errorf("gitInfo outside a repository: %+v, want nil", info)
	}
	git := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "a")
	git("commit", "-q", "-m", "a")
	rev := git("rev-parse", "HEAD")
	if got := versionOf("", gitInfo(t.Context(), r, dir)); got != rev[:12] {
		t.Errorf("clean tree: %q, want %q", got, rev[:12])
	}
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := versionOf("", gitInfo(t.Context(), r, dir)); got != rev[:12]+"-dirty" {
		t.Errorf("modified tree: %q, want %q", got, rev[:12]+"-dirty")
	}
}
