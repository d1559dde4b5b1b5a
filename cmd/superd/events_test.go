//go:build linux

package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// receiver is a webhook endpoint on loopback that records what it gets.
type receiver struct {
	mu     sync.Mutex
	events []notify.Event
	bad    []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp")
	mac := hmac.New(sha256.New, []byte("s3cret-value"))
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	var e notify.Event
	err := json.Unmarshal(body, &e)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case req.Header.Get("webhook-signature") != want:
		r.bad = append(r.bad, "bad signature")
	case err != nil || e.ID != id || req.Header.Get("X-Supers-Event") != e.Type:
		r.bad = append(r.bad, "bad body or headers: "+string(body))
	default:
		r.events = append(r.events, e)
	}
}

func (r *receiver) find(typ string, pid int) *notify.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.events {
		if r.events[i].Type == typ && (pid == 0 || r.events[i].PID == pid) {
			e := r.events[i]
			return &e
		}
	}
	return nil
}

// The seed's fourth criterion: with a webhook configured, a killed child
// makes superd POST signed exit and restart events.
func TestWebhookOnKill(t *testing.T) {
	t.Parallel()
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	d := newDaemon(t, map[string]string{
		"sleep.service": "[Service]\nExecStart=/bin/sleep 1000\nRestart=always\nRestartSec=0\n",
		"other.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"superd.conf":   "[Webhook \"test\"]\nURL=" + srv.URL + "/hook\nSecret=s3cret-value\nServices=sleep\nEvents=exit restart start\n",
	}).start()
	first := d.waitRunning("sleep")
	d.waitRunning("other")
	waitFor(t, 10*time.Second, "start event", func() bool { return rec.find("start", first.PID) != nil })
	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var exit, restart *notify.Event
	waitFor(t, 10*time.Second, "exit and restart events", func() bool {
		exit, restart = rec.find("exit", first.PID), rec.find("restart", 0)
		return exit != nil && restart != nil
	})
	if exit.Service != "sleep" || exit.Signal != "SIGKILL" || exit.Expected || exit.Host == "" || exit.Version != 1 {
		t.Errorf("exit event %+v", exit)
	}
	if restart.Service != "sleep" || restart.Attempt != 1 {
		t.Errorf("restart event %+v", restart)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.bad) > 0 {
		t.Errorf("bad deliveries: %v", rec.bad)
	}
	for _, e := range rec.events {
		if e.Service != "sleep" || (e.Type != "start" && e.Type != "exit" && e.Type != "restart") {
			t.Errorf("the filter let through %+v", e)
		}
	}
}

// A receiver that accepts and never answers delays nothing: restarts and
// CLI answers stay on time.
func TestHangingWebhookDelaysNothing(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	d := newDaemon(t, map[string]string{
		"sleep.service": "[Service]\nExecStart=/bin/sleep 1000\nRestart=always\nRestartSec=0\nStableSec=0\n",
		"superd.conf":   "[Webhook \"slow\"]\nURL=" + srv.URL + "\nTimeout=1h\n",
	}).start()
	pid := d.waitRunning("sleep").PID
	for i := 0; i < 3; i++ {
		time.Sleep(150 * time.Millisecond) // each run is stable, so each restart is immediate
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		old := pid
		waitFor(t, 5*time.Second, "restart while the webhook hangs", func() bool {
			st := d.status("sleep")
			pid = st.PID
			return st.State == "running" && st.PID != old && st.PID != 0
		})
		if _, _, code := d.cli("status", "sleep"); code != 0 {
			t.Fatalf("CLI status failed while the webhook hangs: %d", code)
		}
	}
}

// supers events shows the history, and with -f an event as it happens.
func TestEventsStream(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"b.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	a := d.waitRunning("a")
	d.waitRunning("b")
	out, errs, code := d.cli("events", "--json", "--service", "a")
	if code != 0 || !strings.Contains(out, `"type":"start"`) || strings.Contains(out, `"service":"b"`) {
		t.Fatalf("supers events: %d\n%s%s", code, out, errs)
	}

	cmd := exec.Command(filepath.Join(binDir, "supers"), "events", "-f", "--json", "--service", "a")
	cmd.Env = append(os.Environ(), "SUPERS_SOCKET="+d.socket)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	lines := make(chan notify.Event, 100)
	go func() {
		dec := json.NewDecoder(stdout)
		for {
			var e notify.Event
			if dec.Decode(&e) != nil {
				close(lines)
				return
			}
			lines <- e
		}
	}()
	// The history arrives first; then stop a and wait for its live events.
	waitForEvent(t, lines, func(e notify.Event) bool { return e.Type == "start" && e.PID == a.PID })
	if _, errs, code := d.cli("stop", "a"); code != 0 {
		t.Fatalf("stop a: %s", errs)
	}
	waitForEvent(t, lines, func(e notify.Event) bool { return e.Type == "stop" && e.PID == a.PID && e.Service == "a" })
}

func waitForEvent(t *testing.T, lines <-chan notify.Event, match func(notify.Event) bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-lines:
			if !ok {
				t.Fatal("event stream ended")
			}
			if match(e) {
				return
			}
		case <-timeout:
			t.Fatal("event not seen within 10 s")
		}
	}
}

// Webhook sections are picked up by supers reload, with the same error
// reporting as service files; a broken superd.conf keeps the webhooks in
// force.
func TestWebhookReload(t *testing.T) {
	t.Parallel()
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	d := newDaemon(t, map[string]string{
		"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	d.waitRunning("a")
	d.writeFile("superd.conf", "[Webhook \"late\"]\nURL="+srv.URL+"\nSecret=s3cret-value\n")
	// Only the webhooks changed: supers says what it did, not "nothing to do".
	if out, errOut, code := d.cli("reload"); code != 0 || out != "webhooks: reloaded (superd.conf changed)\nunchanged: 1 service\n" {
		t.Fatalf("reload of a new webhook: exit %d\nstdout %q\nstderr %s", code, out, errOut)
	}
	if res := d.reload(); len(res.Errors) != 0 || res.WebhooksReloaded {
		t.Fatalf("second reload, nothing changed: errors %+v, webhooks_reloaded %v", res.Errors, res.WebhooksReloaded)
	}
	d.cli("restart", "a")
	waitFor(t, 10*time.Second, "events after the webhook was added", func() bool { return rec.find("stop", 0) != nil })

	d.writeFile("superd.conf", "[Webhook \"late\"]\nURL="+srv.URL+"\nSecret=s3cret-value\nRetires=2\n")
	out, _, code := d.cli("reload")
	if code != 1 || !strings.Contains(out, "superd.conf:4") || !strings.Contains(out, "Retires") {
		t.Fatalf("reload of a broken superd.conf: exit %d\n%s", code, out)
	}
	st := d.status("a")
	d.cli("restart", "a")
	waitFor(t, 10*time.Second, "the webhook still delivers", func() bool { return rec.find("exit", st.PID) != nil })
}

// A receiver that fails twice, then succeeds, gets each event once, with the
// same webhook-id on every attempt.
func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	attempts := map[string]int{}
	delivered := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("webhook-id")
		mu.Lock()
		defer mu.Unlock()
		attempts[id]++
		if attempts[id] <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		delivered[id]++
	}))
	defer srv.Close()
	d := newDaemon(t, map[string]string{
		"a.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"superd.conf": "[Webhook \"flaky\"]\nURL=" + srv.URL + "\nEvents=start\n",
	}).start()
	d.waitRunning("a")
	waitFor(t, 20*time.Second, "the start event delivered after two failures", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) == 1
	})
	mu.Lock()
	defer mu.Unlock()
	for id, n := range delivered {
		if n != 1 || attempts[id] != 3 {
			t.Errorf("event %s: %d attempts, delivered %d times; want 3 and 1", id, attempts[id], n)
		}
	}
}

// A reload applies superd.conf's webhooks, not its [Daemon] settings, which
// are read at start: when those changed, supers reload says so (exit 0),
// and superd goes on with the settings it started with.
func TestReloadWarnsOfDaemonSettings(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"a.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"superd.conf": "[Daemon]\nAllowEdit=no\n",
	}).start()
	d.waitRunning("a")

	// Only a webhook added: applied, no warning.
	d.writeFile("superd.conf", "[Daemon]\nAllowEdit=no\n\n[Webhook \"w\"]\nURL=http://127.0.0.1:9/hook\n")
	if res := d.reload(); len(res.Errors) != 0 || len(res.Warnings) != 0 {
		t.Fatalf("reload with a new webhook: errors %+v, warnings %q", res.Errors, res.Warnings)
	}

	d.writeFile("superd.conf", "[Daemon]\nAllowEdit=yes\n\n[Webhook \"w\"]\nURL=http://127.0.0.1:9/hook\n")
	out, errOut, code := d.cli("reload")
	// The key that changed is named; a flag would win over it.
	if code != 0 || !strings.Contains(out, "warning: superd.conf: the [Daemon] settings changed since superd started (AllowEdit)") ||
		!strings.Contains(out, "where no command-line flag sets them") {
		t.Fatalf("reload with AllowEdit changed: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	var res transport.ReloadResult
	if code := d.cliJSON(&res, "reload"); code != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "when superd restarts") {
		t.Fatalf("--json reload: exit %d, %+v", code, res)
	}
	// Each reload answers it, but superd's log says it once per change
	// (not at every reload of --watch). The log is written in order by a
	// goroutine of its own: a record logged after both reloads is there
	// once what they logged is.
	d.writeFile("b.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	if _, errOut, code := d.cli("start", "b"); code != 0 {
		t.Fatalf("start b: exit %d: %s", code, errOut)
	}
	d.waitLogged(`msg="service file loaded on demand" service=b`)
	if n := strings.Count(d.stderr.String(), "the [Daemon] settings changed"); n != 1 {
		t.Errorf("superd logged the change %d times over two reloads, want once:\n%s", n, d.stderr.String())
	}

	// Back to the settings superd runs with: no warning any more.
	d.writeFile("superd.conf", "[Daemon]\nAllowEdit=no\n")
	if res := d.reload(); len(res.Warnings) != 0 {
		t.Errorf("reload with the start settings again: warnings %q", res.Warnings)
	}
	// Changed again: a new change, logged again.
	d.writeFile("superd.conf", "[Daemon]\nAllowEdit=yes\n\n[Webhook \"w\"]\nURL=http://127.0.0.1:9/hook\n")
	if res := d.reload(); len(res.Warnings) != 1 {
		t.Fatalf("reload with AllowEdit changed again: warnings %q", res.Warnings)
	}
	d.writeFile("c.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	if _, errOut, code := d.cli("start", "c"); code != 0 {
		t.Fatalf("start c: exit %d: %s", code, errOut)
	}
	d.waitLogged(`msg="service file loaded on demand" service=c`)
	if n := strings.Count(d.stderr.String(), "the [Daemon] settings changed"); n != 2 {
		t.Errorf("superd logged the change %d times, want twice (the same change made again after it was undone):\n%s", n, d.stderr.String())
	}
}
