//go:build linux

package actors

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// A definition PUT whose file is written but whose service cannot be
// created (its log directory refused) is a write carried out: answered
// 200 with the result, its hash and why the service is missing, not a 500
// (which clients retry, writing again) logged as an internal failure.
func TestPutDefinitionNotCreatedAnswersTheResult(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.DiscardHandler)}).sup
	unsafe := uncreatableB(t, "", logDir)
	def := []byte("[Service]\nExecStart=/bin/sleep 1000\n")

	res, err := sup.PutDefinition(t.Context(), "b", def, transport.WriteOptions{Caller: transport.Caller{UID: -1}})
	if !errors.Is(err, transport.ErrNotCreated) || res.Hash != config.ContentHash(def) {
		t.Fatalf("PutDefinition b: %+v, %v; want the result with the file's hash and an error matching ErrNotCreated", res, err)
	}

	var logs lockedBuffer
	h := transport.NewHandler(sup, transport.HandlerOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	def = append(def, "# again\n"...)
	req := httptest.NewRequest(http.MethodPut, "/v1/services/b/definition", bytes.NewReader(def))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var got transport.DefinitionResult
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s (%v); want 200 with the result", rec.Code, rec.Body, err)
	}
	hash := config.ContentHash(def)
	if got.Action != transport.ActionNotCreated || got.Hash != hash || rec.Header().Get("ETag") != `"`+hash+`"` ||
		!strings.Contains(got.Error, "service b not created") || !strings.Contains(got.Error, unsafe) || !strings.Contains(got.Error, "is written") {
		t.Errorf("PUT: %+v, ETag %q; want action not_created, hash %s, and why b was not created", got, rec.Header().Get("ETag"), hash)
	}
	if strings.Contains(logs.String(), "control request failed") {
		t.Errorf("logged as an internal failure:\n%s", logs.String())
	}
}
