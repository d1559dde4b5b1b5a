//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// squatHelperEnv makes TestSquatHelperProcess run supers status.
const squatHelperEnv = "SUPERS_TEST_SQUAT_HELPER"

// TestSquatHelperProcess is "supers status" run by
// TestDefaultSocketDirOfAnotherUser as another user, with the environment
// it is given.
func TestSquatHelperProcess(t *testing.T) {
	if os.Getenv(squatHelperEnv) == "" {
		t.Skip("run by TestDefaultSocketDirOfAnotherUser")
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"status"}, nil, &stdout, &stderr, os.Getenv)
	fmt.Printf("code=%d\nstdout=%s\nstderr=%s\n", code, stdout.String(), stderr.String())
	os.Exit(0)
}

// Without XDG_RUNTIME_DIR, a user's default socket is
// <temp dir>/super-<uid>/superd.sock. Another user who made that directory
// first, with a socket of theirs in it, had supers talk to their fake
// superd: "supers status" printed its made-up table, and apply or edit
// would have handed it service definitions. supers refuses that directory,
// as superd refuses to listen in it.
func TestDefaultSocketDirOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run supers as another user")
	}
	const nobody, squatter = 65534, 1234
	base := shortTempDir(t)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "supers.test")
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(base, "tmp") // a shared temp dir, as /tmp is
	squat := filepath.Join(tmp, fmt.Sprintf("super-%d", nobody))
	if err := os.MkdirAll(squat, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	// The squatter's superd, answering like a real one.
	path := serveDaemonAt(t, transport.NewHandler(fixture(), transport.HandlerOptions{Version: "9.9.9"}), filepath.Join(squat, "superd.sock"))
	if err := os.Chmod(path, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(squat, squatter, squatter); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^TestSquatHelperProcess$")
	// No XDG_RUNTIME_DIR, no SUPERS_SOCKET: the default path, under TMPDIR.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + tmp, squatHelperEnv + "=1", "GORACE=atexit_sleep_ms=0"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("supers as uid %d: %v (said %q)", nobody, err, out)
	}
	got := string(out)
	if !strings.Contains(got, "code=1\n") || !strings.Contains(got, fmt.Sprintf("belongs to uid %d", squatter)) || strings.Contains(got, "Web frontend") {
		t.Errorf("supers status at a default socket whose directory uid %d made:\n%s\nwant exit 1, refusing the directory, and no status", squatter, got)
	}
}
