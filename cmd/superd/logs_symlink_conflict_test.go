//go:build linux

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A log file replaced by a symbolic link (by the service's own user, whose
// log directory it is) is refused when read, as the definition route
// refuses a service file that is not a regular one: a 409 naming the
// problem. It was a 500, logged by superd as a failed request at Error.
func TestLogsOfASymlinkedLogFileAreAConflict(t *testing.T) {
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 100000\n"}).start()
	d.waitRunning("web")
	live := filepath.Join(d.logDir, "web", "stdout.log")
	if err := os.Remove(live); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", live); err != nil {
		t.Fatal(err)
	}
	a := d.socketAPI().do(http.MethodGet, "/v1/services/web/logs?tail=5", nil)
	if a.status != http.StatusConflict || !strings.Contains(string(a.body), "not a regular file") {
		t.Fatalf("logs of a symlinked log file: %s; want 409 saying it is not a regular file", a)
	}
	if strings.Contains(string(a.body), "root:") {
		t.Fatalf("the link's target was served: %s", a)
	}
}
