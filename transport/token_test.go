package transport

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateTokenCreates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.token")
	token, created, err := LoadOrCreateToken(path)
	if err != nil || !created {
		t.Fatalf("first call: created %v, %v", created, err)
	}
	if b, err := hex.DecodeString(token); err != nil || len(b) != tokenBytes {
		t.Errorf("token %q is not %d hex-encoded bytes", token, tokenBytes)
	}
	content, err := os.ReadFile(path)
	if err != nil || string(content) != token+"\n" {
		t.Fatalf("file holds %q, %v", content, err)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, %v; want 0600", fi.Mode(), err)
		}
	}
	// No temporary file is left behind.
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("dir holds %v", entries)
	}

	again, created, err := LoadOrCreateToken(path)
	if err != nil || created || again != token {
		t.Fatalf("second call: %q created %v, %v; want the same token", again, created, err)
	}
	if read, err := ReadTokenFile(path); err != nil || read != token {
		t.Fatalf("ReadTokenFile: %q, %v", read, err)
	}
	other, _, err := LoadOrCreateToken(filepath.Join(dir, "other.token"))
	if err != nil || other == token {
		t.Errorf("another file got %q, %v", other, err)
	}
}

func TestLoadOrCreateTokenConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api.token")
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		tokens  = map[string]int{}
		creates int
	)
	for range n {
		wg.Go(func() {
			token, created, err := LoadOrCreateToken(path)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			tokens[token]++
			if created {
				creates++
			}
		})
	}
	wg.Wait()
	if len(tokens) != 1 || creates != 1 {
		t.Errorf("%d distinct tokens, %d creations; want 1 and 1", len(tokens), creates)
	}
}

func TestLoadOrCreateTokenExisting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.token")
	if err := os.WriteFile(path, []byte("  my-Token_0123456789.~+/==\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	token, created, err := LoadOrCreateToken(path)
	if err != nil || created || token != "my-Token_0123456789.~+/==" {
		t.Fatalf("got %q created %v, %v", token, created, err)
	}
}

func TestLoadOrCreateTokenRefusesBadFiles(t *testing.T) {
	const secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t"
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
		is      error
		unix    bool
	}{
		{"group readable", secret, 0o640, "mode 0640", ErrTokenFileInsecure, true},
		{"world readable", secret, 0o644, "chmod 600", ErrTokenFileInsecure, true},
		{"group writable", secret, 0o620, "mode 0620", ErrTokenFileInsecure, true},
		{"empty", " \n", 0o600, "empty token", nil, false},
		{"too short", "short", 0o600, "shorter than 16", nil, false},
		{"spaces inside", "s3cr3t s3cr3t s3cr3t s3cr3t", 0o600, "malformed token", nil, false},
		{"two lines", secret + "\n" + secret, 0o600, "malformed token", nil, false},
		{"too large", strings.Repeat("a", maxTokenFile+1), 0o600, "larger than", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.unix && runtime.GOOS == "windows" {
				t.Skip("no Unix modes")
			}
			path := filepath.Join(t.TempDir(), "api.token")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			token, created, err := LoadOrCreateToken(path)
			if err == nil || token != "" || created {
				t.Fatalf("got %q created %v, %v; want an error", token, created, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not say %q about %s", err, tc.want, path)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not match %v", err, tc.is)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the content is in the error: %v", err)
			}
			// The file was left alone.
			if b, _ := os.ReadFile(path); string(b) != tc.content {
				t.Errorf("file changed to %q", b)
			}
		})
	}
}

func TestLoadOrCreateTokenNotAFile(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := LoadOrCreateToken(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	if _, _, err := LoadOrCreateToken(filepath.Join(dir, "missing", "api.token")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Clients do not check the mode, nor the length.
	if token, err := ReadTokenFile(write("ok", "\tabc123\n\n")); err != nil || token != "abc123" {
		t.Errorf("got %q, %v", token, err)
	}
	for name, content := range map[string]string{"empty": "", "blank": " \n\t", "spaces": "a b"} {
		if token, err := ReadTokenFile(write(name, content)); err == nil {
			t.Errorf("%s: got %q", name, token)
		}
	}
	if _, err := ReadTokenFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

func TestLoadOrCreateTokenRefusesOtherOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	path := filepath.Join(t.TempDir(), "api.token")
	if err := os.WriteFile(path, []byte("0123456789abcdef0123"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, -1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateToken(path); !errors.Is(err, ErrTokenFileInsecure) || !strings.Contains(err.Error(), "uid 65534") {
		t.Errorf("got %v, want ErrTokenFileInsecure naming uid 65534", err)
	}
}
