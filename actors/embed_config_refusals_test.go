package actors_test

import (
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
)

// New refuses the settings it would otherwise ignore without a word: a
// negative ShutdownTimeout (which acted as the default), and the socket's
// settings without a socket, or without the group they apply to, the
// HTTP API's settings without its address, and AllowRootServices without
// AllowRemoteEdit.
func TestNewRefusesIgnoredSettings(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		cfg  actors.Config
		want string
	}{
		{"negative ShutdownTimeout", actors.Config{LogDir: dir, ShutdownTimeout: -time.Second}, "ShutdownTimeout"},
		{"SocketGroup without Socket", actors.Config{LogDir: dir, SocketGroup: "0"}, "SocketGroup"},
		{"SocketAllowRootServices without Socket", actors.Config{LogDir: dir, SocketAllowRootServices: true}, "SocketAllowRootServices"},
		{"SocketAllowRootServices without SocketGroup", actors.Config{LogDir: dir, Socket: dir + "/sock", SocketAllowRootServices: true}, "SocketGroup"},
		{"HTTP.TokenFile without HTTP.Addr", actors.Config{LogDir: dir, HTTP: actors.HTTPConfig{TokenFile: dir + "/token"}}, "HTTP.TokenFile"},
		{"HTTP.Hosts without HTTP.Addr", actors.Config{LogDir: dir, HTTP: actors.HTTPConfig{Hosts: []string{"example.org"}}}, "HTTP.Hosts"},
		{"HTTP.TLSCertFile without HTTP.Addr", actors.Config{LogDir: dir, HTTP: actors.HTTPConfig{TLSCertFile: dir + "/c", TLSKeyFile: dir + "/k"}}, "HTTP.TLSCertFile"},
		{"HTTP.Insecure without HTTP.Addr", actors.Config{LogDir: dir, HTTP: actors.HTTPConfig{Insecure: true}}, "HTTP.Insecure"},
		// Remote callers may write no definition at all.
		{"AllowRootServices without AllowRemoteEdit", actors.Config{LogDir: dir, AllowRootServices: true,
			HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: dir + "/token"}}, "AllowRemoteEdit"},
	} {
		_, err := actors.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New: %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
	for _, cfg := range []actors.Config{
		{LogDir: dir, ShutdownTimeout: time.Second},
		{LogDir: dir, Socket: dir + "/sock", SocketGroup: "0", SocketAllowRootServices: true},
		{LogDir: dir, AllowRemoteEdit: true, AllowRootServices: true}, // for the program's own remote callers
	} {
		if _, err := actors.New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

// An embedding program whose token file cannot be created is told the
// Config field that names another one, not only superd's flag.
func TestRunTokenFileHintNamesConfigField(t *testing.T) {
	dir := t.TempDir()
	sup, err := actors.New(actors.Config{LogDir: dir, HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: dir + "/missing/token"}})
	if err != nil {
		t.Fatal(err)
	}
	err = sup.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "HTTP.TokenFile") {
		t.Fatalf("Run: %v, want an error naming HTTP.TokenFile", err)
	}
}
