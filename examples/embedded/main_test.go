//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestEmbeddedExample(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, &out, dir); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, re := range []string{
		`(?m)^hello running pid=[1-9]\d*$`,
		`(?m)^sleeper running pid=[1-9]\d*$`,
		`(?m)^hello said: hello from a supervised child$`,
		`(?m)^sleeper stopped after stop$`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("output does not match %s:\n%s", re, got)
		}
	}
	// Every child is gone once run has returned.
	for _, m := range regexp.MustCompile(`pid=(\d+)`).FindAllStringSubmatch(got, -1) {
		pid, _ := strconv.Atoi(m[1])
		if pid <= 1 {
			continue // pid=0 lines are already reported by the regexps above
		}
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("process %d still alive after run returned", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	// The hello service's output reached its log file.
	data, err := os.ReadFile(filepath.Join(dir, "hello", "stdout.log"))
	if err != nil || !bytes.Contains(data, []byte("hello from a supervised child")) {
		t.Errorf("hello/stdout.log = %q, %v", data, err)
	}
}
