//go:build linux

package actors

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// A definition DELETE answers once the file is moved, while the service is
// still stopping, as README and the OpenAPI document say: the stop
// follows the answer.
func TestDeleteDefinitionAnswersBeforeTheStop(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	def := "[Service]\nExecStart=/bin/sh -c \"trap '' TERM; echo armed; while :; do sleep 0.2; done\"\nTimeoutStopSec=3\n"
	if err := os.WriteFile(filepath.Join(dir, "slow.service"), []byte(def), 0o640); err != nil {
		t.Fatal(err)
	}
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir, Logger: slog.New(slog.DiscardHandler)}).sup
	ctx := t.Context()
	if _, err := sup.Start(ctx, "slow"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := os.ReadFile(filepath.Join(logDir, "slow", "stdout.log"))
		if strings.Contains(string(out), "armed") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("slow never armed its trap")
		}
		time.Sleep(10 * time.Millisecond)
	}

	res, err := sup.DeleteDefinition(ctx, "slow", transport.WriteOptions{Caller: transport.Caller{UID: -1}})
	if err != nil || res.Action != transport.ActionDeleted {
		t.Fatalf("DeleteDefinition: %+v, %v", res, err)
	}
	if st, err := sup.Status(ctx, "slow"); err != nil || st.State != StateStopping {
		t.Errorf("status right after the DELETE's answer: %+v, %v; want stopping", st, err)
	}
	for {
		_, err := sup.Status(ctx, "slow")
		if errors.Is(err, transport.ErrUnknownService) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slow still known after its stop: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
