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

// An --http port that superd.conf's HTTPListen= refuses (out of range, or
// not a number) passed superd --check, then superd refused to start,
// after creating the token file. Both now fail at once, naming the flag
// and the port, as HTTPListen= does.
func TestCheckCatchesBadHTTPPort(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		conf  string
		flags []string
		want  []string
	}{
		{"flag", "", []string{"--http", "127.0.0.1:99999"}, []string{"--http", "99999", "is not a number from 0 to 65535"}},
		{"superd.conf", "[Daemon]\nHTTPListen=127.0.0.1:-1\n", nil, []string{"[Daemon] HTTPListen", "-1", "is not a number from 0 to 65535"}},
		{"unknown service name", "", []string{"--http", "127.0.0.1:no-such-service-here"}, []string{"--http", "no-such-service-here", "is not a number from 0 to 65535"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.conf != "" {
				if err := os.WriteFile(filepath.Join(dir, "superd.conf"), []byte(tc.conf), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"--config-dir", dir, "--log-dir", filepath.Join(dir, "logs"), "--socket", filepath.Join(dir, "s.sock")}, tc.flags...)
			for _, mode := range [][]string{{"--check"}, nil} {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				out, err := exec.CommandContext(ctx, filepath.Join(binDir, "superd"), append(args, mode...)...).CombinedOutput()
				cancel()
				if code := exitCode(err); code != 1 {
					t.Fatalf("superd %v: exit %d (%v), want 1\n%s", mode, code, err, out)
				}
				for _, w := range tc.want {
					if !strings.Contains(string(out), w) {
						t.Errorf("superd %v: output lacks %q:\n%s", mode, w, out)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "http.token")); err == nil {
				t.Error("a token file was created by a superd that could not start")
			}
		})
	}
}
