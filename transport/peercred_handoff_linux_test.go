package transport

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The helpers of TestUnixServerGroupOfAPeerGone: the first connects and
// hands its connection to the second, which sends the request once the
// first is gone.
const (
	peerHandoffEnv      = "TRANSPORT_TEST_PEER_HANDOFF"       // the socket path
	peerHandoffChildEnv = "TRANSPORT_TEST_PEER_HANDOFF_CHILD" // the pid of the process that connected
)

// TestPeerHandoffHelperProcess is not a test: it is the pair of child
// processes of TestUnixServerGroupOfAPeerGone.
func TestPeerHandoffHelperProcess(t *testing.T) {
	if pid := os.Getenv(peerHandoffChildEnv); pid != "" {
		os.Stdout.WriteString(peerHandoffChild(pid) + "\n")
		os.Exit(0)
	}
	path := os.Getenv(peerHandoffEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(0)
	}
	f, err := conn.(*net.UnixConn).File()
	if err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeerHandoffHelperProcess$")
	cmd.Env = append(os.Environ(), peerHandoffChildEnv+"="+strconv.Itoa(os.Getpid()))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
	}
	os.Exit(0) // without waiting: the child asks once this process is gone
}

// peerHandoffChild waits for the process pid, which connected the
// connection on descriptor 3, to be gone from /proc, then asks for the
// version on it, and returns "ok" or what went wrong.
func peerHandoffChild(pid string) string {
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat("/proc/" + pid); errors.Is(err, fs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			return "error: the process that connected is still there"
		}
	}
	conn, err := net.FileConn(os.NewFile(3, "conn"))
	if err != nil {
		return "error: " + err.Error()
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write([]byte("GET /v1/version HTTP/1.1\r\nHost: superd\r\nConnection: close\r\n\r\n")); err != nil {
		return "error: " + err.Error()
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "error: " + err.Error()
	}
	if !strings.HasPrefix(line, "HTTP/1.1 200 ") {
		return fmt.Sprintf("error: answered %q", strings.TrimSpace(line))
	}
	return "ok"
}

// A member of the control group (by a supplementary group only) is let
// in by the groups it had when it connected, as the kernel keeps them
// with the connection: not by what /proc says of its pid when the
// request comes. The process that connected may be gone by then (it
// handed the connection to another, as here), its /proc hidden from
// superd (hidepid=, superd not root) or in another PID namespace (pid
// 0): the member was refused with a 403.
func TestUnixServerGroupOfAPeerGone(t *testing.T) {
	const (
		nobody  = 65534
		control = 4242 // the socket's group: only ever a supplementary group of the peer
	)
	base, bin := otherUserBase(t)
	path := filepath.Join(base, "run", "superd.sock")
	ln, err := ListenUnixGroup(path, control)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	serveWith(t, NewUnixServer(NewHandler(newFakeBackend(), HandlerOptions{}), DefaultSocketAccess(control), slogTo(logs)), ln)

	// More groups than SO_PEERGROUPS is first asked for: the kernel says
	// how many there are, and they are asked for again.
	var many []uint32
	for g := range 99 {
		many = append(many, uint32(5000+g))
	}
	for _, groups := range [][]uint32{{control}, append(many, control)} {
		cmd := exec.CommandContext(t.Context(), bin, "-test.run=^TestPeerHandoffHelperProcess$")
		cmd.Env = append(os.Environ(), peerHandoffEnv+"="+path, "GORACE=atexit_sleep_ms=0")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: groups}}
		out, err := cmd.Output() // the child holds the output: read until it ends
		if err != nil {
			t.Fatalf("peer: %v (said %q)", err, out)
		}
		if got := strings.TrimSpace(string(out)); got != "ok" {
			t.Errorf("peer in the control group (of %d groups), its connecting process gone: %s\n%s", len(groups), got, logs.String())
		}
	}
}

// On a kernel without SO_PEERGROUPS (before 4.13), or a connection that
// cannot tell, the groups come from /proc of the peer's pid, if it is
// still the same user's: here a connection without a descriptor, whose
// peer is this process.
func TestPeerGroupsFallsBackToProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	want, err := os.Getgroups()
	if err != nil {
		t.Fatal(err)
	}
	got := peerGroups(a, PeerCred{PID: os.Getpid(), UID: os.Geteuid()})
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("groups %v, want this process's %v", got, want)
	}
	if got := peerGroups(a, PeerCred{PID: os.Getpid(), UID: os.Geteuid() + 1}); got != nil {
		t.Errorf("another user's pid: groups %v, want none", got)
	}
}
