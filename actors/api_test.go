package actors_test

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// A Run refused because its HTTP port is in use leaves no token file
// behind: the one it created is removed, and one that existed before is
// left as it was.
func TestRunPortInUseLeavesNoToken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()

	refusedRunLeavesNoToken(t, func(t *testing.T, dir, token string) {
		t.Helper()
		sup, err := actors.New(actors.Config{LogDir: filepath.Join(dir, "logs"),
			HTTP: actors.HTTPConfig{Addr: addr, TokenFile: token}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = sup.Run(ctx)
		if err == nil || !strings.Contains(err.Error(), addr) {
			t.Fatalf("Run: %v, want the refusal of %s", err, addr)
		}
	})
}

// refusedRunLeavesNoToken checks that run, a Run refused with its token
// file at token in dir, removes a token file it created and leaves one
// that was there before as it was.
func refusedRunLeavesNoToken(t *testing.T, run func(t *testing.T, dir, token string)) {
	t.Run("created", func(t *testing.T) {
		dir := t.TempDir()
		token := filepath.Join(dir, "tok")
		run(t, dir, token)
		if _, err := os.Lstat(token); !os.IsNotExist(err) {
			t.Errorf("token file after the refused Run: %v, want none", err)
		}
	})
	t.Run("existing", func(t *testing.T) {
		dir := t.TempDir()
		token := filepath.Join(dir, "tok")
		const text = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		if err := os.WriteFile(token, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, dir, token)
		if got, err := os.ReadFile(token); err != nil || string(got) != text {
			t.Errorf("token file after the refused Run: %q, %v; want %q as before", got, err, text)
		}
	})
}

// A token file that cannot be created because its directory does not
// exist: Run's error names that directory, which is not created, and
// still wraps the cause.
func TestRunTokenFileDirMissing(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	err := runWithTokenFile(t, dir, filepath.Join(sub, "tok"))
	msg := err.Error()
	for _, want := range []string{"directory " + sub + " does not exist", "create the directory", "HTTP.TokenFile"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap its cause", err)
	}
	if _, err := os.Lstat(sub); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the token file's directory after Run: %v, want none", err)
	}
}

// A start refused after the listen (here, a LogDir that is a file) left
// the token file it had created: only a port in use removed it. A token
// file that was there before is left as it was.
func TestRunRefusedAfterListenLeavesNoToken(t *testing.T) {
	refusedRunLeavesNoToken(t, func(t *testing.T, dir, token string) {
		t.Helper()
		logFile := filepath.Join(dir, "logs")
		if err := os.WriteFile(logFile, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		sup, err := actors.New(actors.Config{LogDir: logFile, Socket: filepath.Join(dir, "s.sock"),
			HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: token}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := sup.Run(ctx); err == nil || !strings.Contains(err.Error(), "not a directory") {
			t.Fatalf("Run: %v, want the refusal of the log dir", err)
		}
	})
}

// A ConfigDir that does not exist (a typo), with the HTTP API on and the
// default token file: Run said that the token file's directory did not
// exist and advised creating it, which made a supervisor of nothing; it
// is the config dir's error (config.ErrServiceDir), as without the API.
func TestRunMissingConfigDirWithHTTPIsTheConfigDirsError(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "etc-typo")
	sup, err := actors.New(actors.Config{ConfigDir: typo, LogDir: filepath.Join(dir, "logs"), Socket: filepath.Join(dir, "s.sock"),
		HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = sup.Run(ctx)
	if !errors.Is(err, config.ErrServiceDir) || strings.Contains(err.Error(), "create the directory") {
		t.Fatalf("Run: %v, want the config dir's error (config.ErrServiceDir), no advice to create it", err)
	}
	if _, err := os.Lstat(typo); !os.IsNotExist(err) {
		t.Errorf("the mistyped config dir: %v, want none", err)
	}

	// A config dir that is a file: its error, not the token file's in it.
	file := filepath.Join(dir, "etc-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sup, err = actors.New(actors.Config{ConfigDir: file, LogDir: filepath.Join(dir, "logs"), Socket: filepath.Join(dir, "s.sock"),
		HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err = sup.Run(ctx); !errors.Is(err, config.ErrServiceDir) || strings.Contains(err.Error(), "token") {
		t.Fatalf("Run with a file for the config dir: %v, want the config dir's error (config.ErrServiceDir), not the token file's", err)
	}
}

// runWithTokenFile runs a supervisor of the HTTP API whose token file,
// tokenFile, cannot be had, with its log dir in dir, and returns Run's
// error, which must not be nil.
func runWithTokenFile(t *testing.T, dir, tokenFile string) error {
	t.Helper()
	sup, err := actors.New(actors.Config{LogDir: filepath.Join(dir, "logs"),
		HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: tokenFile}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = sup.Run(ctx)
	if err == nil {
		t.Fatal("Run started without a token file")
	}
	return err
}
