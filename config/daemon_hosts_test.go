package config

import (
	"slices"
	"testing"
)

// TestHTTPHostsBracketedIPv6 checks that HTTPHosts= takes an IPv6 address
// in brackets, as --http-host does (and as a Host header writes it):
// superd refused to start, saying that "[fd00::1]" is "not a host name or
// IP address", on a value its flag accepts.
func TestHTTPHostsBracketedIPv6(t *testing.T) {
	d, err := parseDaemon("superd.conf", []byte("[Daemon]\nHTTPHosts=[fd00::1], [FD00::2] superd.example\n"), readFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"fd00::1", "fd00::2", "superd.example"}; !slices.Equal(d.HTTPHosts, want) {
		t.Errorf("HTTPHosts = %q, want %q", d.HTTPHosts, want)
	}
	plain, err := parseDaemon("superd.conf", []byte("[Daemon]\nHTTPHosts=fd00::1 fd00::2 superd.example\n"), readFile)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Hash != d.Hash {
		t.Error("the brackets change the hash")
	}
	for _, bad := range []string{"[superd.example]", "[fd00::1]:80", "[fd00::1", "fd00::1]", "[]", "[10.0.0.1]"} {
		if _, err := parseDaemon("superd.conf", []byte("[Daemon]\nHTTPHosts="+bad+"\n"), readFile); err == nil {
			t.Errorf("HTTPHosts=%s accepted", bad)
		}
	}
}
