package main

import (
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// `supers --version` and `supers -V` were refused as unknown flags (exit
// 2), though superd has --version and packagers' smoke tests run it. Alone,
// each prints supers' own version, as the version command prints it first,
// and exits 0 without asking superd: not even a superd that answers is
// asked, and one that cannot be reached changes nothing.
func TestVersionFlag(t *testing.T) {
	var asked atomic.Int32
	socket := serveDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "unexpected request", http.StatusInternalServerError)
	}))
	missing := filepath.Join(shortTempDir(t), "superd.sock")
	want := "supers " + version + " (" + runtime.Version() + ")\n"
	for _, flag := range []string{"--version", "-V"} {
		for _, sock := range []string{socket, missing} {
			r := runCLI(t, map[string]string{"SUPERS_SOCKET": sock}, flag)
			if r.code != exitOK || r.stdout != want || r.stderr != "" {
				t.Errorf("%s (SUPERS_SOCKET=%s): code %d, stdout %q, stderr %q; want 0, %q, no stderr", flag, sock, r.code, r.stdout, r.stderr, want)
			}
		}
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("--version asked superd %d times", n)
	}

	// The version command prints the same line first.
	r := runAgainst(t, missing, "version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("version without superd: code %d, stdout %q; want 0 and %q first", r.code, r.stdout, want)
	}
}
