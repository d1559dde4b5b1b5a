//go:build linux

package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeCurls returns the curl lines of the README block that follows the
// marker comment naming this test.
func readmeCurls(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(data, []byte("run by cmd/superd/readme_test.go"))
	if !ok {
		t.Fatal("README.md has no block marked for cmd/superd/readme_test.go")
	}
	_, block, ok := bytes.Cut(rest, []byte("```sh\n"))
	if !ok {
		t.Fatal("no sh block after the marker")
	}
	block, _, _ = bytes.Cut(block, []byte("```"))
	var curls []string
	sc := bufio.NewScanner(bytes.NewReader(block))
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "curl ") {
			curls = append(curls, line)
		}
	}
	if len(curls) < 5 {
		t.Fatalf("only %d curl lines in the README block", len(curls))
	}
	return curls
}

// TestReadmeCurlExamples runs the README's curl examples, as written,
// against a real superd serving the socket and TCP.
func TestReadmeCurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	curls := readmeCurls(t)
	// The signal example sends web a HUP: it must have set its trap.
	trapped := filepath.Join(t.TempDir(), "trapped")
	d := newDaemon(t, map[string]string{
		"web.service": "[Service]\nExecStart=/bin/sh -c 'trap : HUP; touch " + trapped + "; while :; do sleep 0.1; done'\n",
		"old.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}).withHTTP().start()
	d.waitRunning("web")
	waitFor(t, 20*time.Second, "web's trap set", func() bool { _, err := os.Stat(trapped); return err == nil })
	d.waitRunning("old")
	tcp := d.tcpAPI()
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "api.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, line := range curls {
		cmd := exec.Command("/bin/sh", "-c", line)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "SOCK="+d.socket, "API="+tcp.base, "TOKEN_FILE="+filepath.Join(d.dir, "http.token"))
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s%s", line, err, out.String(), errb.String())
		}
	}
	d.waitRunning("api") // created by the PUT example
	if st := d.status("web"); st.State != "stopped" {
		t.Fatalf("web after the stop example: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "old.service")); !os.IsNotExist(err) {
		t.Fatalf("old.service after the DELETE example: %v", err)
	}
}
