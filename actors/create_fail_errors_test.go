//go:build linux

package actors

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// notCreated reports whether errs hold exactly one entry, for file, that
// says service name was not created and names why.
func notCreated(errs []transport.ConfigError, file, name, why string) bool {
	return len(errs) == 1 && errs[0].File == file &&
		strings.Contains(errs[0].Message, "service "+name+" not created") && strings.Contains(errs[0].Message, why)
}

// A service whose file loads at start but that cannot be created (here:
// its log directory is one other users may write, which the log sink
// refuses) is listed by ConfigErrors, and a status of it says why, not
// only "unknown service": it used to be in superd's log only, while
// `supers status` showed nothing and GET /v1/config/errors was empty,
// even after a reload had reported it. Once created, or once its file is
// gone, it is no longer listed.
func TestServiceNotCreatedIsAConfigError(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unsafe := uncreatableB(t, dir, logDir)
	bFile := filepath.Join(dir, "b.service")
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.DiscardHandler)}).sup
	ctx := t.Context()

	// The config actor hears of the failure from the services supervisor.
	var errs []transport.ConfigError
	waitUntil(t, "b's creation error listed", func() bool {
		var err error
		errs, err = sup.ConfigErrors(ctx)
		return err == nil && notCreated(errs, bFile, "b", unsafe)
	})
	_, err := sup.Status(ctx, "b")
	if !errors.Is(err, transport.ErrUnknownService) || !strings.Contains(err.Error(), "service b not created") || !strings.Contains(err.Error(), unsafe) {
		t.Fatalf("status b: %v; want unknown service, saying b was not created and why", err)
	}
	// A check says so too: the file loads, but its service is not there.
	if errs, err := sup.CheckConfig(ctx); err != nil || !notCreated(errs, bFile, "b", unsafe) {
		t.Fatalf("check: %+v, %v; want b's creation error", errs, err)
	}
	// A reload tries again, fails again, and the error stays listed.
	if res, err := sup.Reload(ctx); err != nil || !notCreated(res.Errors, bFile, "b", unsafe) {
		t.Fatalf("reload: %+v, %v; want b's creation error", res, err)
	}
	if errs, err := sup.ConfigErrors(ctx); err != nil || !notCreated(errs, bFile, "b", unsafe) {
		t.Fatalf("config errors after the reload: %+v, %v; want b's creation error", errs, err)
	}

	// Created: no longer listed.
	if err := os.Chmod(unsafe, 0o750); err != nil {
		t.Fatal(err)
	}
	if res, err := sup.Reload(ctx); err != nil || len(res.Added) != 1 || len(res.Errors) != 0 {
		t.Fatalf("reload after the fix: %+v, %v; want b added", res, err)
	}
	if errs, err := sup.ConfigErrors(ctx); err != nil || len(errs) != 0 {
		t.Fatalf("config errors once b is created: %+v, %v; want none", errs, err)
	}

	// A file written since, whose service cannot be created, then removed:
	// listed, then not.
	cUnsafe := filepath.Join(logDir, "c")
	if err := os.Mkdir(cUnsafe, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cUnsafe, 0o777); err != nil {
		t.Fatal(err)
	}
	cFile := filepath.Join(dir, "c.service")
	if err := os.WriteFile(cFile, []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := sup.Reload(ctx); err != nil || !notCreated(res.Errors, cFile, "c", cUnsafe) {
		t.Fatalf("reload with c: %+v, %v; want c's creation error", res, err)
	}
	if errs, err := sup.ConfigErrors(ctx); err != nil || !notCreated(errs, cFile, "c", cUnsafe) {
		t.Fatalf("config errors with c: %+v, %v; want c's creation error", errs, err)
	}
	if err := os.Remove(cFile); err != nil {
		t.Fatal(err)
	}
	if res, err := sup.Reload(ctx); err != nil || len(res.Errors) != 0 {
		t.Fatalf("reload without c: %+v, %v; want no error", res, err)
	}
	if errs, err := sup.ConfigErrors(ctx); err != nil || len(errs) != 0 {
		t.Fatalf("config errors once c.service is gone: %+v, %v; want none", errs, err)
	}
}

// A service a start loads on demand but cannot create is listed by
// ConfigErrors until a later start creates it.
func TestServiceNotCreatedOnDemandIsAConfigErrorUntilCreated(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.DiscardHandler)}).sup
	ctx := t.Context()
	unsafe := uncreatableB(t, dir, logDir)
	bFile := filepath.Join(dir, "b.service")

	opCtx, opCancel := context.WithTimeout(ctx, 10*time.Second)
	_, err := sup.Start(opCtx, "b")
	opCancel()
	if err == nil || !strings.Contains(err.Error(), "not created") {
		t.Fatalf("start b: %v; want an error saying b was not created", err)
	}
	waitUntil(t, "b's creation error listed", func() bool {
		errs, err := sup.ConfigErrors(ctx)
		return err == nil && notCreated(errs, bFile, "b", unsafe)
	})

	if err := os.Chmod(unsafe, 0o750); err != nil {
		t.Fatal(err)
	}
	if st, err := sup.Start(ctx, "b"); err != nil || st.State != StateRunning {
		t.Fatalf("start b after the fix: %+v, %v", st, err)
	}
	waitUntil(t, "b's creation error gone", func() bool {
		errs, err := sup.ConfigErrors(ctx)
		return err == nil && len(errs) == 0
	})
}

// A failure to create a spec that is no longer the one the config actor
// knows (its file removed, or changed, by a reload while the creation was
// under way) is ignored: recorded, it stayed listed, without a file, until
// superd restarted, and it forgot the newer spec.
func TestStaleAddFailedIsIgnored(t *testing.T) {
	old, current := config.New("x", "/bin/true"), config.New("x", "/bin/true")
	old.File, current.File = "/etc/super/x.service", "/etc/super/x.service"
	c := &configActor{known: map[string]*config.Service{"x": current}}
	c.handleAddFailed(nil, &addFailed{spec: old, err: errors.New("log dir refused")})
	if c.known["x"] != current || len(c.loadErrors()) != 0 {
		t.Fatalf("a stale failure was taken: known %v, errors %v", c.known["x"], c.loadErrors())
	}
	delete(c.known, "x") // removed by a reload
	c.handleAddFailed(nil, &addFailed{spec: current, err: errors.New("log dir refused")})
	if len(c.loadErrors()) != 0 {
		t.Fatalf("the failure of a removed service was listed: %v", c.loadErrors())
	}
	c.known["x"] = current
	c.handleAddFailed(nil, &addFailed{spec: current, err: errors.New("log dir refused")})
	errs := c.loadErrors()
	if _, still := c.known["x"]; still || len(errs) != 1 || configErrors(errs[0])[0].File != current.File {
		t.Fatalf("the failure of the known spec: known %v, errors %v; want it forgotten and listed with its file", c.known["x"], errs)
	}
	// Asked to create it again: the error goes, until it fails again.
	c.askCreate(current)
	if len(c.loadErrors()) != 0 {
		t.Fatalf("errors after askCreate: %v", c.loadErrors())
	}
}
