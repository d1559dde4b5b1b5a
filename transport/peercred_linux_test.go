package transport

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestProcGroups(t *testing.T) {
	status := "Name:\tbash\nUid:\t1000\t1001\t1000\t1000\nGid:\t100\t100\t100\t100\nGroups:\t4 24 27 1000 \nNgid:\t0\n"
	if got := procGroups([]byte(status), 1001); !slices.Equal(got, []int{4, 24, 27, 1000}) {
		t.Errorf("groups %v", got)
	}
	// Another user's process (a reused pid) tells nothing.
	if got := procGroups([]byte(status), 1000); got != nil {
		t.Errorf("other user: %v", got)
	}
	if got := procGroups([]byte("Uid:\t5\t5\t5\t5\nGroups:\t\n"), 5); len(got) != 0 {
		t.Errorf("no groups: %v", got)
	}
	if got := procGroups(nil, 0); got != nil {
		t.Errorf("empty status: %v", got)
	}
	// Our own process, for real.
	self, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	want, err := os.Getgroups()
	if err != nil {
		t.Fatal(err)
	}
	got := procGroups(self, os.Geteuid())
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("own groups %v, want %v", got, want)
	}
}

// peerHelperEnv names the socket TestPeerHelperProcess talks to;
// peerHelperWhoEnv, if set, has it print a whoHandler's answer instead.
const (
	peerHelperEnv    = "TRANSPORT_TEST_PEER_SOCKET"
	peerHelperWhoEnv = "TRANSPORT_TEST_PEER_WHO"
)

// TestPeerHelperProcess is not a test: it is the child process of
// TestUnixServerSupplementaryGroup, which runs it as another user. It
// asks the socket for superd's version and prints "ok" or the error.
func TestPeerHelperProcess(t *testing.T) {
	path := os.Getenv(peerHelperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	if os.Getenv(peerHelperWhoEnv) != "" {
		// Print what a whoHandler says of us.
		c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}}
		resp, err := c.Get("http://superd/")
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(0)
		}
		_, _ = io.Copy(os.Stdout, resp.Body)
		os.Exit(0)
	}
	if _, err := NewClient(path).Version(t.Context()); err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
	} else {
		os.Stdout.WriteString("ok\n")
	}
	os.Exit(0)
}

// otherUserBase skips the test unless it runs as root, and returns a new
// directory every user may enter, with a copy of the test binary (bin)
// that another user can run.
func otherUserBase(t *testing.T) (base, bin string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run peers as another user")
	}
	base = shortTempDir(t)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(base, "transport.test")
	copyFile(t, os.Args[0], bin, 0o755)
	return base, bin
}

func TestUnixServerOtherUsers(t *testing.T) {
	const (
		nobody  = 65534
		control = 4242 // the socket's group: only ever a supplementary group of the peer
	)
	base, bin := otherUserBase(t)

	// serve serves on a new socket given to the control group, in a
	// directory ListenUnixGroup creates (so the group can go through it).
	serve := func(name string, access SocketAccess) (string, *syncBuffer) {
		path := filepath.Join(base, name, "superd.sock")
		ln, err := ListenUnixGroup(path, control)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, filepath.Dir(path)} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if gid := fi.Sys().(*syscall.Stat_t).Gid; gid != control {
				t.Errorf("%s: group %d, want %d", p, gid, control)
			}
		}
		logs := &syncBuffer{}
		serveWith(t, NewUnixServer(NewHandler(newFakeBackend(), HandlerOptions{}), access, slogTo(logs)), ln)
		return path, logs
	}
	// runPeer runs TestPeerHelperProcess against path as nobody with the
	// given supplementary groups, and returns what it said.
	runPeer := func(path string, groups ...uint32) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), bin, "-test.run=^TestPeerHelperProcess$")
		// GORACE: a race-enabled binary otherwise sleeps a second on exit.
		cmd.Env = append(os.Environ(), peerHelperEnv+"="+path, "GORACE=atexit_sleep_ms=0")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: groups}}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("peer: %v (said %q)", err, out)
		}
		return strings.TrimSpace(string(out))
	}

	allowed, logs := serve("allowed", DefaultSocketAccess(control))
	if got := runPeer(allowed, control); got != "ok" {
		t.Errorf("peer in the control group: %s", got)
	}
	// Without the group, the file permissions stop it before superd does.
	if got := runPeer(allowed); !strings.Contains(got, "permission denied") {
		t.Errorf("peer outside the group: %s", got)
	}
	if l := logs.String(); l != "" {
		t.Errorf("log: %s", l)
	}

	// The file permissions let the group in, but superd's policy does not.
	denied, logs := serve("denied", DefaultSocketAccess(-1))
	if got := runPeer(denied, control); !strings.Contains(got, "uid 65534 may not use") {
		t.Errorf("peer got %q, want a 403", got)
	}
	if l := logs.String(); !strings.Contains(l, "uid=65534") || !strings.Contains(l, "gid=65534") || strings.Contains(l, "pid=0") {
		t.Errorf("refusal not logged with the peer's ids:\n%s", l)
	}
}

func TestListenUnixGroupNotMember(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may give the socket to any group")
	}
	path := filepath.Join(shortTempDir(t), "run", "superd.sock")
	ln, err := ListenUnixGroup(path, 4242)
	if err == nil {
		ln.Close()
		t.Fatal("ListenUnixGroup succeeded for a group we are not in")
	}
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "group 4242") {
		t.Errorf("got %v", err)
	}
}

// copyFile copies src to dst with mode perm.
func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, perm); err != nil {
		t.Fatal(err)
	}
}

// TestPeerFromContextHasGroups: a peer that its uid lets in (root here)
// is not slowed down by a read of its supplementary groups, yet
// PeerFromContext still gives them, read when asked.
func TestPeerFromContextHasGroups(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the peer supplementary groups")
	}
	path := filepath.Join(shortTempDir(t), "superd.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	serveWith(t, NewUnixServer(whoHandler, DefaultSocketAccess(-1), nil), ln)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestPeerHelperProcess$")
	cmd.Env = append(os.Environ(), peerHelperEnv+"="+path, peerHelperWhoEnv+"=1", "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 0, Groups: []uint32{4242, 4343}}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("peer: %v (said %q)", err, out)
	}
	var got struct {
		Peer   bool  `json:"peer"`
		UID    int   `json:"uid"`
		Groups []int `json:"groups"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("peer said %q: %v", out, err)
	}
	slices.Sort(got.Groups)
	if !got.Peer || got.UID != 0 || !slices.Equal(got.Groups, []int{4242, 4343}) {
		t.Errorf("PeerFromContext gave %+v, want uid 0 with groups [4242 4343]", got)
	}
}
