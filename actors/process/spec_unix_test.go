//go:build unix

package process

import (
	"errors"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// run starts spec with stdout and stderr going to files and returns what
// the process wrote once it has exited.
func run(t *testing.T, m *Manager, spec Spec) (stdout, stderr string, e Exit) {
	t.Helper()
	dir := t.TempDir()
	files := make([]*os.File, 2)
	for i, name := range []string{"stdout", "stderr"} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files[i] = f
	}
	spec.Stdout, spec.Stderr = files[0], files[1]
	e = start(t, m, spec).wait(t)
	out := make([]string, 2)
	for i, f := range files {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
	}
	return out[0], out[1], e
}

// writeScript writes an executable shell script.
func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestStdoutStderrStdin(t *testing.T) {
	m := newManager(t, Options{})
	// cat returns at once: stdin is /dev/null.
	out, errOut, e := run(t, m, Spec{Argv: []string{"/bin/sh", "-c", "cat; echo out; echo err >&2"}})
	if out != "out\n" || errOut != "err\n" || e.Code != 0 {
		t.Fatalf("stdout %q, stderr %q, exit %v", out, errOut, e)
	}
}

func TestNilOutputsGoToDevNull(t *testing.T) {
	m := newManager(t, Options{})
	p := start(t, m, Spec{Argv: []string{"/bin/sh", "-c", "echo out; echo err >&2"}})
	if e := p.wait(t); e.Code != 0 {
		t.Fatalf("exit %v", e)
	}
}

func TestEnvironmentIsExactlySpecEnv(t *testing.T) {
	m := newManager(t, Options{})
	out, _, _ := run(t, m, Spec{Argv: []string{"/usr/bin/env"}, Env: []string{"A=1", "B=two words"}})
	if out != "A=1\nB=two words\n" {
		t.Errorf("env with Env set: %q", out)
	}
	// start() fills a nil Env; go through Start directly for the nil case.
	r, w := pipe(t)
	p := &proc{done: make(chan struct{})}
	if _, err := m.Start(Spec{Argv: []string{"/usr/bin/env"}, Stdout: w}, p.onExit); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
	w.Close()
	b := make([]byte, 4096)
	n, _ := r.Read(b)
	if n != 0 {
		t.Errorf("env with nil Env: %q, want empty", b[:n])
	}
}

func TestProgramResolution(t *testing.T) {
	tmp := t.TempDir()
	writeScript(t, filepath.Join(tmp, "bin", "hello-supers"), `echo "hello $0"`)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	relTmp, err := filepath.Rel(cwd, tmp)
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH=/nonexistent:relative/dir::"+filepath.Join(tmp, "bin"))
	for _, tc := range []struct {
		name string
		spec Spec
	}{
		{"PATH of Env", Spec{Argv: []string{"hello-supers"}, Env: env}},
		{"slash relative to Dir", Spec{Argv: []string{"./bin/hello-supers"}, Dir: tmp}},
		{"slash relative to a relative Dir", Spec{Argv: []string{"bin/hello-supers"}, Dir: relTmp}},
		{"absolute", Spec{Argv: []string{filepath.Join(tmp, "bin", "hello-supers")}, Dir: "/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, Options{})
			out, _, e := run(t, m, tc.spec)
			if e.Code != 0 || !strings.HasPrefix(out, "hello ") || !strings.HasSuffix(out, "hello-supers\n") {
				t.Fatalf("output %q, exit %v", out, e)
			}
		})
	}
}

func TestWorkingDirectory(t *testing.T) {
	m := newManager(t, Options{})
	dir := t.TempDir()
	out, _, _ := run(t, m, Spec{Argv: []string{"/bin/sh", "-c", "pwd -P"}, Dir: dir})
	want, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != want {
		t.Errorf("pwd = %q, want %q", out, want)
	}
}

func TestExecErrors(t *testing.T) {
	tmp := t.TempDir()
	notExec := filepath.Join(tmp, "not-executable")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		spec   Spec
		op     string
		path   string
		target error
	}{
		{"not in PATH", Spec{Argv: []string{"no-such-command-supers"}}, "lookup", "no-such-command-supers", fs.ErrNotExist},
		{"missing absolute", Spec{Argv: []string{"/nope"}}, "exec", "/nope", syscall.ENOENT},
		{"missing relative", Spec{Argv: []string{"./nope"}, Dir: tmp}, "exec", filepath.Join(tmp, "nope"), fs.ErrNotExist},
		{"not executable", Spec{Argv: []string{notExec}}, "exec", notExec, syscall.EACCES},
		{"missing Dir", Spec{Argv: []string{"/bin/true"}, Dir: filepath.Join(tmp, "nodir")}, "chdir", filepath.Join(tmp, "nodir"), fs.ErrNotExist},
		{"Dir is a file", Spec{Argv: []string{"/bin/true"}, Dir: notExec}, "chdir", notExec, syscall.ENOTDIR},
		{"empty argv", Spec{}, "exec", "", nil},
		{"unknown user", Spec{Argv: []string{"/bin/true"}, User: "no-such-user-supers"}, "user", "no-such-user-supers", nil},
		{"unknown group", Spec{Argv: []string{"/bin/true"}, Group: "no-such-group-supers"}, "group", "no-such-group-supers", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, Options{})
			if tc.spec.Env == nil {
				tc.spec.Env = os.Environ()
			}
			_, err := m.Start(tc.spec, func(e Exit) { t.Errorf("exit callback for a failed start: %v", e) })
			var ee *ExecError
			if !errors.As(err, &ee) {
				t.Fatalf("Start: %v (%T), want *ExecError", err, err)
			}
			if ee.Op != tc.op || ee.Path != tc.path {
				t.Errorf("ExecError{Op: %q, Path: %q}, want {%q, %q}: %v", ee.Op, ee.Path, tc.op, tc.path, err)
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %v is not %v", err, tc.target)
			}
		})
	}
}

func TestExecErrorMessage(t *testing.T) {
	m := newManager(t, Options{})
	_, err := m.Start(Spec{Argv: []string{"/nope"}}, nil)
	if want := `exec "/nope": no such file or directory`; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	// execve says EACCES of a directory: the message says what it is, not
	// only "permission denied", which sends the reader to its mode.
	dir := t.TempDir()
	_, err = m.Start(Spec{Argv: []string{dir}}, nil)
	if want := `exec "` + dir + `": permission denied (it is a directory, not a program)`; err == nil || err.Error() != want || !errors.Is(err, syscall.EACCES) {
		t.Errorf("error %q, want %q wrapping EACCES", err, want)
	}
}

// asRootWithNobody skips t unless it runs as root and the system has a
// user nobody, whom it returns.
func asRootWithNobody(t *testing.T) *user.User {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	return nobody
}

func TestRunAsUser(t *testing.T) {
	nobody := asRootWithNobody(t)
	m := newManager(t, Options{})
	script := "id -u; id -g; id -G"
	for _, tc := range []struct {
		name, user, group, want string
		notIn                   string // a group the process must not have
	}{
		{"by name", "nobody", "", nobody.Uid + "\n" + nobody.Gid + "\n" + nobody.Gid + "\n", ""},
		{"numeric", nobody.Uid, "", nobody.Uid + "\n" + nobody.Gid + "\n" + nobody.Gid + "\n", ""},
		{"numeric with leading zeros", "00" + nobody.Uid, "", nobody.Uid + "\n" + nobody.Gid + "\n" + nobody.Gid + "\n", ""},
		// Group= replaces the primary group: it does not stay as a
		// supplementary one (as initgroups(user, gid) does).
		{"with group", "nobody", "0", nobody.Uid + "\n0\n0\n", nobody.Gid},
		{"uid without passwd entry", "54321", "54322", "54321\n54322\n54322\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, e := run(t, m, Spec{Argv: []string{"/bin/sh", "-c", script}, User: tc.user, Group: tc.group})
			// id -G lists the effective gid first, then the others.
			got := strings.Split(strings.TrimSpace(out), "\n")
			if e.Code != 0 || len(got) != 3 {
				t.Fatalf("output %q, stderr %q, exit %v", out, errOut, e)
			}
			want := strings.Split(strings.TrimSpace(tc.want), "\n")
			groups := strings.Fields(got[2])
			if got[0] != want[0] || got[1] != want[1] || !slices.Contains(groups, want[2]) ||
				tc.notIn != "" && tc.notIn != want[1] && slices.Contains(groups, tc.notIn) {
				t.Errorf("uid/gid/groups %q, want %q, without %q", got, want, tc.notIn)
			}
		})
	}
	_, err := m.Start(Spec{Argv: []string{"/bin/true"}, User: "54321"}, nil)
	if !errors.Is(err, errNoPrimaryGroup) {
		t.Errorf("uid without passwd entry and no Group: %v, want errNoPrimaryGroup", err)
	}
}

func TestResolveCredential(t *testing.T) {
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := ParseID(nobody.Uid)
	gid, _ := ParseID(nobody.Gid)

	t.Run("root", func(t *testing.T) {
		c, err := resolveCredential("nobody", "", 0, 0)
		if err != nil || c == nil || c.Uid != uid || c.Gid != gid || !slices.Contains(c.Groups, gid) || c.NoSetGroups {
			t.Fatalf("credential %+v, %v; want uid %d gid %d with groups", c, err, uid, gid)
		}
		c, err = resolveCredential("", "12", 0, 0)
		if err != nil || c == nil || c.Uid != 0 || c.Gid != 12 || c.NoSetGroups || len(c.Groups) != 0 {
			t.Fatalf("group only: %+v, %v", c, err)
		}
		if c, err = resolveCredential("", "", 0, 0); c != nil || err != nil {
			t.Fatalf("nothing asked: %+v, %v", c, err)
		}
		c, err = resolveCredential("nobody", "12", 0, 0)
		if err != nil || c == nil || c.Gid != 12 || !slices.Contains(c.Groups, 12) || gid != 12 && slices.Contains(c.Groups, gid) {
			t.Fatalf("user and group: %+v, %v; want gid 12 in place of the primary group %d", c, err, gid)
		}
		c, err = resolveCredential("0"+nobody.Uid, "", 0, 0)
		if err != nil || c == nil || c.Uid != uid || c.Gid != gid {
			t.Fatalf("uid with a leading zero: %+v, %v; want nobody's entry", c, err)
		}
	})
	t.Run("not root", func(t *testing.T) {
		euid, egid := int(uid), int(gid)
		// Naming ourselves needs no change.
		for _, u := range []string{"nobody", nobody.Uid} {
			if c, err := resolveCredential(u, nobody.Gid, euid, egid); c != nil || err != nil {
				t.Errorf("own user %q: %+v, %v; want nil, nil", u, c, err)
			}
		}
		_, err := resolveCredential("root", "", euid, egid)
		var ee *ExecError
		if !errors.As(err, &ee) || ee.Op != "user" || !errors.Is(err, fs.ErrPermission) {
			t.Errorf("other user: %v, want user permission error", err)
		}
		_, err = resolveCredential("", "0", euid, egid)
		if !errors.As(err, &ee) || ee.Op != "group" || !errors.Is(err, fs.ErrPermission) {
			t.Errorf("other group: %v, want group permission error", err)
		}
	})
}
