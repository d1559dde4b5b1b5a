//go:build linux

package actors

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// GET of the definition of a service that runs but whose file was removed
// by hand is a 404 that says so, not "unknown service": the service is
// known, and runs.
func TestGetDefinitionOfServiceWithoutItsFile(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "lnk.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.DiscardHandler)}).sup
	if st, err := sup.Start(t.Context(), "lnk"); err != nil || st.State != StateRunning {
		t.Fatalf("start lnk: %+v, %v", st, err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}

	_, err := sup.Definition(t.Context(), "lnk")
	if !errors.Is(err, transport.ErrUnknownService) || strings.Contains(err.Error(), "unknown service") ||
		!strings.Contains(err.Error(), `no definition file for service "lnk"`) || !strings.Contains(err.Error(), "removed since it was loaded") {
		t.Errorf("Definition lnk: %v; want a not-found error saying its file was removed, not that lnk is unknown", err)
	}
	h := transport.NewHandler(sup, transport.HandlerOptions{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/services/lnk/definition", nil))
	if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "unknown service") {
		t.Errorf("GET lnk's definition: %d %s; want a 404 that does not call lnk unknown", rec.Code, rec.Body)
	}
	// A name no service has is still an unknown service.
	if _, err := sup.Definition(t.Context(), "nope"); !errors.Is(err, transport.ErrUnknownService) || !strings.Contains(err.Error(), "unknown service") {
		t.Errorf("Definition nope: %v; want an unknown service", err)
	}
}
