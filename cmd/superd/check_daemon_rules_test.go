//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// superdConfVerdicts holds the superd.conf files whose verdicts must
// agree, and whether superd starts with them.
var superdConfVerdicts = []struct {
	name, conf string
	starts     bool
}{
	// The rules between the keys were superd's alone: `supers check`
	// passed these files, and superd refused to start with them.
	{"socket root without a group", "[Daemon]\nSocketAllowRootServices=yes\n", false},
	{"HTTP root without edit", "[Daemon]\nHTTPListen=127.0.0.1:0\nAllowRootServices=yes\n", false},
	{"plain HTTP on every address", "[Daemon]\nHTTPListen=0.0.0.0:0\n", false},
	{"HTTP root with edit", "[Daemon]\nHTTPListen=127.0.0.1:0\nAllowRootServices=yes\nAllowEdit=yes\n", true},
	// The reverse: superd ignores (and warns of) TLS files without the
	// HTTP API, and starts; `supers check` loaded them and failed.
	{"TLS files without HTTP", "[Daemon]\nHTTPTLSCertFile=MISSING/cert.pem\nHTTPTLSKeyFile=MISSING/key.pem\n", true},
	{"TLS files with HTTP", "[Daemon]\nHTTPListen=127.0.0.1:0\nHTTPTLSCertFile=MISSING/cert.pem\nHTTPTLSKeyFile=MISSING/key.pem\n", false},
}

// TestSuperdConfVerdictsAgree: for each superd.conf, `supers check FILE`
// (offline), `supers check` (asking a running superd), `superd --check`
// and superd's start agree on whether superd can start with it.
func TestSuperdConfVerdictsAgree(t *testing.T) {
	t.Parallel()
	running := newDaemon(t, map[string]string{"superd.conf": "[Daemon]\n"}).start()
	for _, tc := range superdConfVerdicts {
		t.Run(tc.name, func(t *testing.T) {
			want := 1
			if tc.starts {
				want = 0
			}
			// MISSING stands for a directory that is not there.
			conf := strings.ReplaceAll(tc.conf, "MISSING", filepath.Join(t.TempDir(), "missing"))
			d := newDaemon(t, map[string]string{"superd.conf": conf})
			file := filepath.Join(d.dir, "superd.conf")
			if out, errs, code := runCLIWith(t, nil, "check", file); code != want {
				t.Errorf("supers check FILE: exit %d, want %d\n%s%s", code, want, out, errs)
			}
			code, out, errs := runSuperd(t, "--check", "--config-dir", d.dir, "--log-dir", d.logDir, "--socket", d.socket)
			if code != want {
				t.Errorf("superd --check: exit %d, want %d\n%s%s", code, want, out, errs)
			}
			running.writeFile("superd.conf", conf)
			if out, errs, code := running.cli("check"); code != want {
				t.Errorf("supers check through superd: exit %d, want %d\n%s%s", code, want, out, errs)
			}
			if tc.starts {
				d.start()
				if err := d.terminate(); err != nil {
					t.Errorf("superd: %v", err)
				}
				return
			}
			d.launch()
			select {
			case <-d.exited:
				if c := exitCode(d.exitErr); c != 1 {
					t.Errorf("superd: exit %d, want 1\n%s", c, d.stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Errorf("superd started with a superd.conf its checks refuse\n%s", d.stderr.String())
			}
		})
	}
}
