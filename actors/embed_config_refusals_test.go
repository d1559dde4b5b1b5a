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

// New refuses two settings that name one file: the socket and the state
// file would share their lock, and Run would fail blaming "another
// supervisor" that is itself; the state file would overwrite the token
// file. A TLS certificate and its key may be one PEM file.
func TestNewRefusesOneFileForTwoUses(t *testing.T) {
	dir := t.TempDir()
	http := func(token string) actors.HTTPConfig {
		return actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: token}
	}
	for _, tc := range []struct {
		name string
		cfg  actors.Config
		want string
	}{
		{"Socket = StateFile", actors.Config{LogDir: dir, Socket: dir + "/a", StateFile: dir + "/a"}, "Config.StateFile and Config.Socket are the same file"},
		{"StateFile = TokenFile", actors.Config{LogDir: dir, StateFile: dir + "/a", HTTP: http(dir + "/a")}, "Config.StateFile and Config.HTTP.TokenFile"},
		{"the same file by another path", actors.Config{LogDir: dir, Socket: dir + "/x/../a", HTTP: http(dir + "/a")}, "Config.Socket and Config.HTTP.TokenFile"},
	} {
		_, err := actors.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	// The token file superd makes by default in the config dir.
	cfg := actors.Config{ConfigDir: dir, StateFile: dir + "/http.token", HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0"}}
	if _, err := actors.New(cfg); err == nil || !strings.Contains(err.Error(), "Config.StateFile and Config.HTTP.TokenFile (by default http.token in ConfigDir)") {
		t.Errorf("New with StateFile the default token file: %v, want an error naming both", err)
	}
	pem := dir + "/tls.pem"
	cfg = actors.Config{LogDir: dir, HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0", TokenFile: dir + "/token", TLSCertFile: pem, TLSKeyFile: pem}}
	if _, err := actors.New(cfg); err != nil {
		t.Errorf("New with one PEM for the certificate and its key: %v", err)
	}
}
