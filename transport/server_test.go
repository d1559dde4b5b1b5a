package transport

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSocketPath(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name      string
		getenv    func(string) string
		euid, uid int
		want      string
	}{
		{"SUPERS_SOCKET wins", env("SUPERS_SOCKET", "/x/y.sock", "XDG_RUNTIME_DIR", "/r"), 0, 0, "/x/y.sock"},
		{"root", env("XDG_RUNTIME_DIR", "/r", "TMPDIR", "/t"), 0, 0, "/run/super/superd.sock"},
		{"user with XDG_RUNTIME_DIR", env("XDG_RUNTIME_DIR", "/r", "TMPDIR", "/t"), 1000, 1000, filepath.Join("/r", "super", "superd.sock")},
		{"user with TMPDIR", env("TMPDIR", "/t"), 1000, 1000, filepath.Join("/t", "super-1000", "superd.sock")},
		{"user without either", env(), 1000, 1000, filepath.Join(os.TempDir(), "super-1000", "superd.sock")},
		{"no uid (Windows)", env("TMPDIR", "/t"), -1, -1, filepath.Join("/t", "super", "superd.sock")},
	} {
		if got := socketPath(tc.getenv, tc.euid, tc.uid); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDefaultSocketPathHonoursEnv(t *testing.T) {
	t.Setenv("SUPERS_SOCKET", "/tmp/custom.sock")
	if got := DefaultSocketPath(); got != "/tmp/custom.sock" {
		t.Errorf("got %q", got)
	}
}

func TestNewServerLimits(t *testing.T) {
	srv := NewServer(nil)
	if srv.ReadHeaderTimeout != 5*time.Second || srv.IdleTimeout != time.Minute ||
		srv.MaxHeaderBytes != 16<<10 || srv.WriteTimeout != 0 || srv.ReadTimeout != 0 {
		t.Errorf("server limits: %+v", srv)
	}
}
