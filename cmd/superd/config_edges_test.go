//go:build linux

package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// slowStop is a service that takes a while to stop after SIGTERM, so that
// a removal is still under way when the next change comes.
const slowStop = "[Service]\nExecStart=/bin/sh -c 'trap \"sleep 3; exit 0\" TERM; while :; do sleep 0.1; done'\n"

// A service removed and then defined again while its process is still
// stopping is created again once the old one is gone: through the API
// (DELETE, then PUT) and through the config dir (file removed,
// reload, file back, reload). It used to be dropped: "created" or "added"
// was answered, but the service never came back, and neither start nor
// reload could bring it back.
func TestRemovedThenAddedWhileStopping(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"api", "reload"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			d := newDaemon(t, map[string]string{"slow.service": slowStop}).start()
			old := d.waitRunning("slow")
			switch via {
			case "api":
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if _, err := d.client.DeleteDefinition(ctx, "slow", ""); err != nil {
					t.Fatal(err)
				}
				res, err := d.client.PutDefinition(ctx, "slow", []byte(slowStop), "")
				if err != nil || res.Action != transport.ActionCreated {
					t.Fatalf("put after delete: %+v, %v", res, err)
				}
			case "reload":
				if err := os.Remove(filepath.Join(d.dir, "slow.service")); err != nil {
					t.Fatal(err)
				}
				if res := d.reload(); len(res.Removed) != 1 {
					t.Fatalf("reload after the removal: %+v", res)
				}
				d.writeFile("slow.service", slowStop)
				if res := d.reload(); len(res.Added) != 1 {
					t.Fatalf("reload after the file came back: %+v", res)
				}
			}
			if !alive(old.PID) {
				t.Skip("the old process stopped before the service was defined again: nothing to test")
			}
			var st transport.ServiceStatus
			waitFor(t, 20*time.Second, "slow running again with a new process", func() bool {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				var err error
				st, err = d.client.Status(ctx, "slow")
				d.track(st.PID)
				return err == nil && st.State == "running" && st.PID != old.PID
			})
			if alive(old.PID) {
				t.Errorf("the old process %d still runs beside the new one %d", old.PID, st.PID)
			}
		})
	}
}

// A file that failed to load at the last reload and is then loaded on
// demand by "supers start" no longer counts as broken: its error is
// forgotten, as a reload or a PUT of the file would. It used to stay in
// the config errors (and in the warning of "supers status") until the next
// reload.
func TestStartOnDemandForgetsFileError(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil).start()
	d.writeFile("late.service", "[Service]\nExecStart=/bin/sleep 1000\nBogus=1\n")
	if res := d.reload(); len(res.Errors) != 1 {
		t.Fatalf("reload of a broken file: %+v", res)
	}
	d.writeFile("late.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	if out, errs, code := d.cli("start", "late"); code != 0 {
		t.Fatalf("supers start late: %d\n%s%s", code, out, errs)
	}
	d.waitRunning("late")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs, err := d.client.ConfigErrors(ctx)
	if err != nil || len(errs) != 0 {
		t.Fatalf("config errors after the file was fixed and loaded: %+v, %v", errs, err)
	}
}

// The API carries a definition as JSON text, which cannot hold bytes that
// are not UTF-8 (encoding/json replaces them with U+FFFD). A service file
// that is not valid UTF-8 is refused (409, naming the line) rather than
// shown altered: "supers edit" used to write the altered text back, so that
// adding a comment changed the program's arguments.
func TestDefinitionNotUTF8(t *testing.T) {
	t.Parallel()
	// Line 2 is Latin-1 (sleep itself must not get it: "sleep 1000 café"
	// fails at once, as an invalid interval).
	orig := "[Service]\nEnvironment=NAME=caf\xe9\nExecStart=/bin/sleep 1000\n"
	d := newDaemon(t, map[string]string{"latin1.service": orig}).start()
	d.waitRunning("latin1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	def, err := d.client.Definition(ctx, "latin1")
	if !errors.Is(err, transport.ErrConflict) || !strings.Contains(err.Error(), "UTF-8") || !strings.Contains(err.Error(), ":2") {
		t.Fatalf("definition of a file that is not UTF-8: %q, %v; want a conflict naming UTF-8 and line 2", def.Text, err)
	}
	editor := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\necho '# touched' >> \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := runCLIWith(t, []string{"SUPERS_SOCKET=" + d.socket, "VISUAL=" + editor}, "edit", "latin1"); code == 0 {
		t.Errorf("supers edit of a file that is not UTF-8 succeeded:\n%s%s", out, errs)
	}
	if b, err := os.ReadFile(filepath.Join(d.dir, "latin1.service")); err != nil || string(b) != orig {
		t.Errorf("the file changed: %q, %v", b, err)
	}
	// Nor can such a file be written through the API: it could not be
	// read back.
	res, err := d.client.PutDefinition(ctx, "latin2", []byte(orig), "")
	if !errors.Is(err, transport.ErrInvalidArgument) || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("PUT of a definition that is not UTF-8: %+v, %v; want an invalid argument naming UTF-8 and line 2", res, err)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "latin2.service")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("latin2.service written anyway: %v", err)
	}
}

// A reload picks up a webhook's CAFile= whose content changed (a CA bundle
// rotated in place), as it picks up a SecretFile=. It used to keep the
// webhooks built with the old bundle as long as superd.conf itself did not
// change, so that they kept failing (or trusting a revoked CA).
func TestReloadRotatedWebhookCA(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got++
		mu.Unlock()
	}))
	defer srv.Close()
	pemOf := func(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}) }
	// At first the bundle holds another CA: deliveries fail.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "other CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	otherDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemOf(otherDER), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newDaemon(t, map[string]string{
		"svc.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"superd.conf": "[Webhook \"tls\"]\nURL=" + srv.URL + "/hook\nEvents=start\nRetries=0\nCAFile=" + caFile + "\n",
	}).start()
	d.waitRunning("svc")

	if err := os.WriteFile(caFile, pemOf(srv.Certificate().Raw), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := d.reload(); len(res.Errors) != 0 {
		t.Fatalf("reload: %+v", res)
	}
	if out, errs, code := d.cli("restart", "svc"); code != 0 {
		t.Fatalf("supers restart svc: %d\n%s%s", code, out, errs)
	}
	d.waitRunning("svc")
	waitFor(t, 15*time.Second, "a start event delivered with the rotated CA", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return got > 0
	})
}

// "supers rm" of a service whose file was already removed by hand (no
// reload since) stops and forgets the service, as documented, instead of
// answering that the running service is unknown.
func TestRemoveServiceWithoutFile(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"orphan.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	st := d.waitRunning("orphan")
	if err := os.Remove(filepath.Join(d.dir, "orphan.service")); err != nil {
		t.Fatal(err)
	}
	out, errs, code := d.cli("rm", "orphan")
	if code != 0 || !strings.HasPrefix(out, "orphan: deleted") {
		t.Fatalf("supers rm orphan: %d\n%s%s", code, out, errs)
	}
	waitFor(t, 10*time.Second, "orphan stopped and forgotten", func() bool {
		_, _, code := d.cli("status", "orphan")
		return !alive(st.PID) && code == 4
	})
	// Once forgotten, it is unknown.
	if _, errs, code := d.cli("rm", "orphan"); code != 4 {
		t.Errorf("supers rm of a forgotten service: exit %d, %s", code, errs)
	}
}
