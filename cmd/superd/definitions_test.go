//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// These tests create, change and delete service definitions through the
// API of a real superd and check the files, the processes and the events.

func TestDefinitionsCRUD(t *testing.T) {
	d := newDaemon(t, map[string]string{"keep.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).withHTTP().start()
	keep := d.waitRunning("keep")
	sock := d.socketAPI()
	path := "/v1/services/api/definition"
	file := filepath.Join(d.dir, "api.service")

	// Create: written 0640, started.
	v1 := "[Service]\nExecStart=/bin/sleep 1001\n"
	var res transport.DefinitionResult
	want(t, sock.do("PUT", path, []byte(v1)), 201, "create").decode(t, &res)
	if res.Action != transport.ActionCreated || res.Hash == "" {
		t.Fatalf("create: %+v", res)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("created file: %v, %v; want mode 0640", fi, err)
	}
	api1 := d.waitRunning("api")

	// Read: the text and its hash, also as the ETag.
	var def transport.Definition
	a := want(t, sock.do("GET", path, nil), 200, "get")
	a.decode(t, &def)
	if def.Text != v1 || def.Hash != res.Hash || a.header.Get("ETag") != `"`+res.Hash+`"` {
		t.Fatalf("get: %+v, ETag %s", def, a.header.Get("ETag"))
	}

	// Invalid: 400 with file/line/key, nothing changed on disk or running.
	bad := "[Service]\nExecStart=/bin/sleep 1002\nRestart=sometimes\n"
	var eb transport.ErrorBody
	want(t, sock.do("PUT", path, []byte(bad)), 400, "invalid definition").decode(t, &eb)
	if len(eb.Errors) != 1 || eb.Errors[0].Line != 3 || !strings.Contains(eb.Errors[0].Message, "Restart") ||
		!strings.Contains(eb.Errors[0].Message, "api.service") {
		t.Fatalf("invalid definition: %+v", eb)
	}
	if b, _ := os.ReadFile(file); string(b) != v1 {
		t.Fatalf("an invalid definition reached the disk: %q", b)
	}
	if st := d.status("api"); st.PID != api1.PID {
		t.Fatalf("an invalid definition restarted api: %+v", st)
	}

	// Update: exactly that service restarts, with the new command.
	v2 := "[Service]\nExecStart=/bin/sleep 1002\n"
	want(t, sock.do("PUT", path, []byte(v2), "If-Match", `"`+def.Hash+`"`), 200, "update").decode(t, &res)
	if res.Action != transport.ActionUpdated {
		t.Fatalf("update: %+v", res)
	}
	var api2 transport.ServiceStatus
	waitFor(t, 10*time.Second, "api restarted", func() bool {
		api2 = d.status("api")
		return api2.State == "running" && api2.PID != api1.PID && api2.PID != 0
	})
	if alive(api1.PID) {
		t.Fatalf("the old api process %d still runs", api1.PID)
	}
	if st := d.status("keep"); st.PID != keep.PID {
		t.Fatalf("keep was disturbed: pid %d, was %d", st.PID, keep.PID)
	}
	// A comment changes the file, not the configuration: nothing restarts.
	want(t, sock.do("PUT", path, []byte("# note\n"+v2)), 200, "comment").decode(t, &res)
	if res.Action != transport.ActionUnchanged || d.status("api").PID != api2.PID {
		t.Fatalf("comment-only update: %+v", res)
	}
	// The same bytes again (configuration management applying its files
	// at each run): nothing is written, the file is the same one.
	before, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	want(t, sock.do("PUT", path, []byte("# note\n"+v2)), 200, "same bytes").decode(t, &res)
	after, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != transport.ActionUnchanged || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("PUT of the same bytes: %+v; the file was written again (same file %v)", res, os.SameFile(before, after))
	}

	// Stale If-Match: 412, nothing written.
	want(t, sock.do("PUT", path, []byte(v1), "If-Match", `"`+def.Hash+`"`), 412, "stale If-Match")
	want(t, sock.do("DELETE", path, nil, "If-Match", `"`+def.Hash+`"`), 412, "stale If-Match on delete")
	if b, _ := os.ReadFile(file); string(b) != "# note\n"+v2 {
		t.Fatalf("a refused write reached the disk: %q", b)
	}

	// Over TCP, editing is off unless enabled: 403, even with the token.
	tcp := d.tcpAPI()
	want(t, tcp.do("PUT", path, []byte(v1)), 403, "PUT over TCP")
	want(t, tcp.do("DELETE", path, nil), 403, "DELETE over TCP")
	want(t, tcp.do("GET", path, nil), 200, "GET over TCP")

	// Names that would leave the config dir are refused before any path
	// is built.
	for _, name := range []string{"..%2Fevil", "..", ".hidden", "a%2Fb", "x..y"} {
		a := sock.do("PUT", "/v1/services/"+name+"/definition", []byte(v1))
		if a.status != 400 && a.status != 404 {
			t.Errorf("PUT name %q: %s, want 400", name, a)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(d.dir))
	for _, e := range entries {
		if strings.Contains(e.Name(), "evil") {
			t.Fatalf("a file was written outside the config dir: %s", e.Name())
		}
	}

	// Delete: stopped, forgotten, file in the trash; restoring it and
	// reloading brings the service back.
	api2 = d.status("api")
	want(t, sock.do("DELETE", path, nil), 200, "delete").decode(t, &res)
	if res.Action != transport.ActionDeleted || filepath.Dir(res.Trash) != filepath.Join(d.dir, ".trash") {
		t.Fatalf("delete: %+v", res)
	}
	waitFor(t, 10*time.Second, "api gone", func() bool {
		_, err := d.client.Status(t.Context(), "api")
		return errors.Is(err, transport.ErrUnknownService)
	})
	if alive(api2.PID) {
		t.Fatalf("api's process %d survived the deletion", api2.PID)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the file is still in place: %v", err)
	}
	want(t, sock.do("GET", path, nil), 404, "get after delete")
	if err := os.Rename(res.Trash, file); err != nil {
		t.Fatal(err)
	}
	d.reload()
	d.waitRunning("api")

	// Each change is an event naming who made it.
	var got []string
	if err := d.client.Events(t.Context(), "api", false, func(ev notify.Event) error {
		switch ev.Type {
		case notify.TypeCreate, notify.TypeUpdate, notify.TypeDelete:
			got = append(got, ev.Type+" by "+ev.By)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	by := fmt.Sprintf("uid:%d", os.Geteuid())
	wantEvents := []string{"create by " + by, "update by " + by, "update by " + by, "delete by " + by}
	if strings.Join(got, ",") != strings.Join(wantEvents, ",") {
		t.Fatalf("events %q, want %q", got, wantEvents)
	}
}

func TestDefinitionsOverTCP(t *testing.T) {
	d := newDaemon(t, nil).withHTTP("--http-allow-edit").start()
	tcp := d.tcpAPI()
	path := "/v1/services/web/definition"
	// Without --http-allow-root-services, a definition that would run as
	// root is refused: User=root always, no User= when superd is root.
	want(t, tcp.do("PUT", path, []byte("[Service]\nExecStart=/bin/sleep 1000\nUser=root\n")), 403, "User=root over TCP")
	if os.Geteuid() == 0 {
		want(t, tcp.do("PUT", path, []byte("[Service]\nExecStart=/bin/sleep 1000\n")), 403, "no User= with superd as root")
		return
	}
	var res transport.DefinitionResult
	want(t, tcp.do("PUT", path, []byte("[Service]\nExecStart=/bin/sleep 1000\n")), 201, "create over TCP").decode(t, &res)
	d.waitRunning("web")
	var evs []notify.Event
	_ = d.client.Events(t.Context(), "web", false, func(ev notify.Event) error {
		if ev.Type == notify.TypeCreate {
			evs = append(evs, ev)
		}
		return nil
	})
	if len(evs) != 1 || evs[0].By != "token" || evs[0].Hash != res.Hash {
		t.Fatalf("create events: %+v", evs)
	}
}

// TestDefinitionsOverTCPReadNoRootFiles: superd reads EnvironmentFile= with
// its own privileges, so a definition written over TCP (without
// --http-allow-root-services) must not make a root superd read a file for a
// non-root service: it is refused before the file is read, so that the
// answer tells nothing of the file (whether it exists, what it holds).
// It used to be parsed first: a missing file or one superd could not parse
// got a 400 saying so.
func TestDefinitionsOverTCPReadNoRootFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs superd to run as root")
	}
	d := newDaemon(t, nil).withHTTP("--http-allow-edit").start()
	tcp := d.tcpAPI()
	const secret = "s3cr3t-do-not-show"
	envFile := filepath.Join(t.TempDir(), "root-only.env")
	if err := os.WriteFile(envFile, []byte("TOKEN="+secret+"\nroot:"+secret+":19000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	def := "[Service]\nExecStart=/bin/sleep 1000\nUser=nobody\nEnvironmentFile=" + envFile + "\n"
	missing := "[Service]\nExecStart=/bin/sleep 1000\nUser=nobody\nEnvironmentFile=" + envFile + ".missing\n"
	for _, tc := range []struct{ what, def string }{
		{"an env file superd cannot parse", def},
		{"a missing env file", missing},
	} {
		a := want(t, tcp.do("PUT", "/v1/services/peek/definition", []byte(tc.def)), 403, tc.what+" over TCP")
		if strings.Contains(string(a.body), secret) || strings.Contains(string(a.body), "no such file") {
			t.Fatalf("%s: the answer tells of the file: %s", tc.what, a)
		}
		if !strings.Contains(string(a.body), "EnvironmentFile=") {
			t.Errorf("%s: 403 does not say why: %s", tc.what, a)
		}
	}
	if err := os.WriteFile(envFile, []byte("TOKEN="+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := want(t, tcp.do("PUT", "/v1/services/peek/definition", []byte(def)), 403, "EnvironmentFile= over TCP")
	if !strings.Contains(string(a.body), "EnvironmentFile=") {
		t.Errorf("403 does not say why: %s", a)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "peek.service")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused definition written anyway: %v", err)
	}
	// Over the socket (root or the control group), it is allowed.
	want(t, d.socketAPI().do("PUT", "/v1/services/peek/definition", []byte(def)), 201, "EnvironmentFile= over the socket")
}

// TestDefinitionsLinkAndDir: a symlinked service file is not replaced by a
// PUT (its target would silently stop mattering), and a directory named
// NAME.service is a conflict, not a server error.
func TestDefinitionsLinkAndDir(t *testing.T) {
	d := newDaemon(t, nil).start()
	sock := d.socketAPI()
	target := filepath.Join(t.TempDir(), "shared.service")
	orig := "[Service]\nExecStart=/bin/sleep 1000\n"
	if err := os.WriteFile(target, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(d.dir, "linked.service")); err != nil {
		t.Fatal(err)
	}
	a := want(t, sock.do("PUT", "/v1/services/linked/definition", []byte("[Service]\nExecStart=/bin/sleep 2000\n")), 409, "PUT over a symlink")
	if !strings.Contains(string(a.body), target) {
		t.Errorf("409 does not name the target: %s", a)
	}
	if fi, err := os.Lstat(filepath.Join(d.dir, "linked.service")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if got, _ := os.ReadFile(target); string(got) != orig {
		t.Errorf("the target changed: %q", got)
	}
	if err := os.Mkdir(filepath.Join(d.dir, "odd.service"), 0o755); err != nil {
		t.Fatal(err)
	}
	want(t, sock.do("GET", "/v1/services/odd/definition", nil), 409, "GET of a directory")
	want(t, sock.do("PUT", "/v1/services/odd/definition", []byte(orig)), 409, "PUT over a directory")
}

func TestDefinitionsConcurrentPuts(t *testing.T) {
	d := newDaemon(t, nil).start()
	sock := d.socketAPI()
	const writers = 20
	var wg sync.WaitGroup
	versions := make([]string, writers)
	for i := range writers {
		versions[i] = fmt.Sprintf("[Service]\nExecStart=/bin/sleep %d\n", 2000+i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := sock.do("PUT", "/v1/services/race/definition", []byte(versions[i]))
			if a.status != 200 && a.status != 201 {
				t.Errorf("PUT %d: %s", i, a)
			}
		}()
	}
	wg.Wait()
	// One valid file, holding one of the versions whole.
	b, err := os.ReadFile(filepath.Join(d.dir, "race.service"))
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for i, v := range versions {
		if bytes.Equal(b, []byte(v)) {
			last = i
		}
	}
	if last < 0 {
		t.Fatalf("race.service holds none of the versions: %q", b)
	}
	entries, _ := os.ReadDir(d.dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".race") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	// One running instance, of that version.
	want := fmt.Sprintf("/bin/sleep %d", 2000+last)
	waitFor(t, 20*time.Second, "race running "+want+" alone", func() bool {
		st := d.status("race")
		if st.State != "running" {
			return false
		}
		var sleeps []string
		for _, pid := range childrenOf(d.cmd.Process.Pid) {
			if c, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
				sleeps = append(sleeps, strings.ReplaceAll(strings.TrimRight(string(c), "\x00"), "\x00", " "))
			}
		}
		return len(sleeps) == 1 && sleeps[0] == want
	})
}

// With the whole config dir gone (an unmounted volume, a directory moved
// away), supers rm refused nothing: it took the missing file for one
// removed by hand, stopped the running service and forgot it. It is now
// "configuration unavailable", and nothing is stopped; cat says the same
// (as a read), not "no file".
func TestDefinitionsConfigDirGone(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	pid := d.waitRunning("web").PID
	away := d.dir + ".away"
	if err := os.Rename(d.dir, away); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Rename(away, d.dir) })
	for _, tc := range []struct {
		cmd  []string
		says string // a write changes nothing, a read shows nothing
	}{{[]string{"rm", "web"}, "nothing was changed"}, {[]string{"cat", "web"}, "no definition is shown"}} {
		if _, errs, code := d.cli(tc.cmd...); code != 1 || !strings.Contains(errs, "configuration unavailable") || !strings.Contains(errs, tc.says) {
			t.Errorf("supers %v with the config dir gone: exit %d, stderr %q", tc.cmd, code, errs)
		}
	}
	if st := d.status("web"); st.State != "running" || st.PID != pid {
		t.Errorf("web after rm with the config dir gone: %+v, want still running as pid %d", st, pid)
	}
	// A file in its place: a start of a service superd does not know yet
	// (loaded on demand) blamed the service ("unknown service ... not a
	// directory", exit 4), not the dir.
	if err := os.WriteFile(d.dir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(d.dir) })
	if _, errs, code := d.cli("start", "nosuch"); code != 1 || !strings.Contains(errs, "configuration unavailable") || !strings.Contains(errs, "not a directory") {
		t.Errorf("supers start of a new service with a file for the config dir: exit %d, stderr %q", code, errs)
	}
}
