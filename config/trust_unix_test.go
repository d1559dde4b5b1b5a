//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Files and a config dir that a user other than root and the process's own
// could have written are refused, as cron refuses such tables: whoever can
// change them can have superd run what they want as root. They were
// loaded: a 0666 service file, or one of another user, ran as root.
func TestUntrustedFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const body = "[Service]\nExecStart=/bin/true\n"
	write := func(name, text string, mode os.FileMode) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("ok.service", body, 0o644)
	write("world.service", body, 0o666)
	env := write("env.conf", "A=1\n", 0o666)
	write("withenv.service", body+"EnvironmentFile="+env+"\n", 0o644)
	want := map[string]string{
		"world.service":   "every user may write it (mode 0666)",
		"withenv.service": "every user may write it (mode 0666)",
	}
	if os.Geteuid() == 0 {
		other := write("other.service", body, 0o644)
		if err := os.Chown(other, 54321, 0); err != nil {
			t.Fatal(err)
		}
		group := write("group.service", body, 0o664)
		if err := os.Chown(group, 0, 54321); err != nil {
			t.Fatal(err)
		}
		write("rootgroup.service", body, 0o664) // group 0: root's
		want["other.service"] = "belongs to uid 54321, who could make superd run anything as uid 0; refusing to use it (chown it to root)"
		want["group.service"] = "group 54321 may write it"
	}

	specs, errs := LoadDir(dir)
	var loaded []string
	for _, s := range specs {
		loaded = append(loaded, s.Name)
	}
	wantLoaded := "ok"
	if os.Geteuid() == 0 {
		wantLoaded = "ok,rootgroup"
	}
	if strings.Join(loaded, ",") != wantLoaded {
		t.Errorf("loaded %v, want %s", loaded, wantLoaded)
	}
	if len(errs) != len(want) {
		t.Errorf("%d errors, want %d: %v", len(errs), len(want), errs)
	}
	for _, err := range errs {
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrUntrusted) {
			t.Errorf("%v: want an *Error wrapping ErrUntrusted", err)
			continue
		}
		if w, ok := want[filepath.Base(e.File)]; !ok || !strings.Contains(err.Error(), w) {
			t.Errorf("%v: want it to say %q", err, w)
		}
	}

	// superd.conf too: it sets the webhooks and what the API may do.
	write(DaemonFile, "[Daemon]\nAllowEdit=yes\n", 0o666)
	if _, err := LoadDaemon(dir); !errors.Is(err, ErrUntrusted) {
		t.Errorf("LoadDaemon of a superd.conf of mode 0666: %v, want ErrUntrusted", err)
	}

	// The dir itself: anyone who may write it may add a service file, sticky
	// or not.
	for _, mode := range []os.FileMode{0o777, 0o777 | os.ModeSticky} {
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		specs, errs := LoadDir(dir)
		shown := "mode 0777"
		if mode&os.ModeSticky != 0 {
			shown = "mode 1777"
		}
		if len(specs) != 0 || len(errs) != 1 || !errors.Is(errs[0], ErrServiceDir) || !errors.Is(errs[0], ErrUntrusted) ||
			!strings.Contains(errs[0].Error(), dir) || !strings.Contains(errs[0].Error(), shown) {
			t.Errorf("LoadDir of a dir of mode %v: %d services, %v; want one error naming the dir, wrapping ErrServiceDir and ErrUntrusted", mode, len(specs), errs)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// supers check FILE judges a draft whoever owns it (ParseDraft,
// ParseDaemonDraft): a root user checking a checkout of another uid's, or
// a file's author, is told about its syntax and values, not its owner.
// superd.conf's SecretFile= decides no command: it is read whoever owns it.
func TestDraftsIgnoreOwnership(t *testing.T) {
	dir := t.TempDir()
	svc := filepath.Join(dir, "web.service")
	if err := os.WriteFile(svc, []byte("[Service]\nExecStart=/bin/true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(svc, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(svc); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("ParseFile of a 0666 file: %v, want ErrUntrusted", err)
	}
	if _, err := ParseDraft(svc); err != nil {
		t.Fatalf("ParseDraft of a 0666 file: %v, want it parsed", err)
	}
	conf := filepath.Join(dir, DaemonFile)
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(secret, 54321, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(conf, []byte("[Webhook \"w\"]\nURL=https://hooks.example/x\nSecretFile="+secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseDaemonFile(conf); err != nil {
		t.Fatalf("ParseDaemonFile with a SecretFile= of another user: %v, want it read", err)
	}
	if err := os.Chmod(conf, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseDaemonFile(conf); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("ParseDaemonFile of a 0666 superd.conf: %v, want ErrUntrusted", err)
	}
	if _, err := ParseDaemonDraft(conf); err != nil {
		t.Fatalf("ParseDaemonDraft of a 0666 superd.conf: %v, want it parsed", err)
	}
}

// A service file that is a symlink into a directory another user may
// write is refused, though the file it names is root's and 0644: that
// user could point the link, or put a file, at anything whose content
// they influence (a service's log, say).
func TestServiceFileLinkedFromAnUntrustedDir(t *testing.T) {
	base := t.TempDir()
	conf, other := filepath.Join(base, "conf"), filepath.Join(base, "other")
	for _, d := range []string{conf, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(other, 0o777); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(other, "web.service")
	if err := os.WriteFile(target, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(conf, "web.service")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(link); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("ParseFile of a link to a file in a 0777 dir: %v, want ErrUntrusted", err)
	}
	specs, errs := LoadDir(conf)
	if len(specs) != 0 || len(errs) != 1 || !errors.Is(errs[0], ErrUntrusted) {
		t.Fatalf("LoadDir: %d services, %v; want web refused (ErrUntrusted)", len(specs), errs)
	}
	if _, err := ParseDraft(link); err != nil {
		t.Fatalf("ParseDraft: %v, want it parsed", err)
	}
}

// The remedy for a file in a directory others may write is to move the
// file, not to change the directory: the advice was "chmod o-w" for /tmp,
// or "chown it to root" for another user's directory.
func TestUntrustedDirOfAFileSaysMoveIt(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(open, "app.env")
	if err := os.WriteFile(env, []byte("A=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := readTrusted(env)
	if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "keep the file, and any link to it, in a directory that only root") ||
		strings.Contains(err.Error(), "chmod o-w") {
		t.Fatalf("a file in a 1777 dir: %v; want ErrUntrusted advising to move the file, not to chmod the dir", err)
	}
}
