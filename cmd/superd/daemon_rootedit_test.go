//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --http-allow-root-services (AllowRootServices=) lets definitions written
// over HTTP run as root; without --http-allow-edit (AllowEdit=) HTTP
// clients write none, and the setting was silently ignored ("1 service
// file(s) valid"), as --socket-allow-root-services without a socket group
// is not. It is now refused, naming the flag or the key and the remedy.
func TestCheckRefusesAllowRootServicesWithoutEdit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		conf  string
		flags []string
		want  string // "" for a valid setup
	}{
		{"flag", "", []string{"--http", "127.0.0.1:0", "--http-allow-root-services"}, "--http-allow-root-services: HTTP clients may not write service definitions"},
		{"key", "[Daemon]\nHTTPListen=127.0.0.1:0\nAllowRootServices=yes\n", nil, "superd.conf:3: [Daemon] AllowRootServices: invalid value: HTTP clients may not write service definitions"},
		{"with the flag", "", []string{"--http", "127.0.0.1:0", "--http-allow-root-services", "--http-allow-edit"}, ""},
		{"with the key", "[Daemon]\nHTTPListen=127.0.0.1:0\nAllowRootServices=yes\nAllowEdit=yes\n", nil, ""},
		{"key and edit flag", "[Daemon]\nHTTPListen=127.0.0.1:0\nAllowRootServices=yes\n", []string{"--http-allow-edit"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 100\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.conf != "" {
				if err := os.WriteFile(filepath.Join(dir, "superd.conf"), []byte(tc.conf), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"--check", "--config-dir", dir, "--socket", filepath.Join(dir, "s.sock")}, tc.flags...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), args...).CombinedOutput()
			cancel()
			code := exitCode(err)
			switch {
			case tc.want == "" && code != 0:
				t.Fatalf("exit %d, want 0:\n%s", code, out)
			case tc.want != "" && (code != 1 || !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), "--http-allow-edit")):
				t.Fatalf("exit %d, want 1 and %q with the remedy:\n%s", code, tc.want, out)
			}
		})
	}
}
