//go:build linux

package actors

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// A definition PUT to "zz.service" (the file's name typed for the
// service's) is refused with a hint, and writes no zz.service.service;
// a service that already runs under such a name may be replaced.
func TestPutDefinitionRefusesServiceSuffix(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	def := []byte("[Service]\nExecStart=/bin/sleep 1000\n")
	if err := os.WriteFile(filepath.Join(dir, "old.service.service"), def, 0o640); err != nil {
		t.Fatal(err)
	}
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.DiscardHandler)}).sup
	caller := transport.WriteOptions{Caller: transport.Caller{UID: -1}}

	_, err := sup.PutDefinition(t.Context(), "zz.service", def, caller)
	if !errors.Is(err, transport.ErrInvalidArgument) || !strings.Contains(err.Error(), `did you mean "zz"?`) {
		t.Fatalf("PutDefinition zz.service: %v; want an invalid argument with the hint", err)
	}
	h := transport.NewHandler(sup, transport.HandlerOptions{})
	req := httptest.NewRequest(http.MethodPut, "/v1/services/zz.service/definition", strings.NewReader(string(def)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `did you mean \"zz\"?`) {
		t.Errorf("PUT zz.service: %d %s; want 400 with the hint", rec.Code, rec.Body)
	}
	if _, err := os.Lstat(filepath.Join(dir, "zz.service.service")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("zz.service.service: %v; want none written", err)
	}
	if _, err := sup.Status(t.Context(), "zz.service"); !errors.Is(err, transport.ErrUnknownService) {
		t.Errorf("status zz.service: %v; want unknown", err)
	}

	res, err := sup.PutDefinition(t.Context(), "old.service", []byte("[Service]\nExecStart=/bin/sleep 999\n"), caller)
	if err != nil || res.Action != transport.ActionUpdated {
		t.Errorf("PutDefinition old.service (runs): %+v, %v; want it updated", res, err)
	}
}
