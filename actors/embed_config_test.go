package actors_test

import (
	"strings"
	"testing"

	"github.com/supers-dev/supers/actors"
)

// New refuses an HTTP API it could never serve (no token file, and no
// config dir to create one in), instead of leaving it to Run.
func TestNewRefusesHTTPWithoutTokenFile(t *testing.T) {
	_, err := actors.New(actors.Config{LogDir: t.TempDir(), HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0"}})
	if err == nil || !strings.Contains(err.Error(), "token file") {
		t.Fatalf("New: %v, want an error about the token file", err)
	}
	if _, err := actors.New(actors.Config{LogDir: t.TempDir(), HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: t.TempDir() + "/token"}}); err != nil {
		t.Fatalf("New with a token file: %v", err)
	}
}
