package config

import (
	"strings"
	"testing"
)

// A secret with the whsec_ prefix of the Standard Webhooks specification
// must be valid base64, as the notifier requires: superd refuses to start
// (and a reload refuses the webhooks) otherwise. The file check used to
// accept it, so that "superd --check" and "supers check" said the
// configuration was valid and the next start of superd failed.
func TestParseDaemonBadWhsecSecret(t *testing.T) {
	read := fakeFiles(map[string]string{
		"/etc/supers/bad.secrets":  "whsec_dmFsaWQ=\nwhsec_" + leak + "*\n",
		"/etc/supers/good.secrets": "whsec_dmFsaWQ=\nplain-" + leak + "\n",
	})
	for _, tc := range []struct {
		name, src, want string
	}{
		{"Secret", "[Webhook \"a\"]\nURL=http://h\nSecret=whsec_" + leak + "*\n",
			`superd.conf:3: [Webhook "a"] Secret: invalid value: has the whsec_ prefix but is not valid base64`},
		{"empty after the prefix", "[Webhook \"a\"]\nURL=http://h\nSecret=whsec_\n",
			`superd.conf:3: [Webhook "a"] Secret: invalid value: has the whsec_ prefix but is not valid base64`},
		{"SecretFile", "[Webhook \"a\"]\nURL=http://h\nSecretFile=/etc/supers/bad.secrets\n",
			`superd.conf:3: [Webhook "a"] SecretFile: /etc/supers/bad.secrets:2: has the whsec_ prefix but is not valid base64`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseDaemon("superd.conf", []byte(tc.src), read)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v, want %s", err, tc.want)
			}
			if strings.Contains(err.Error(), leak) {
				t.Fatalf("the error shows the secret: %v", err)
			}
		})
	}
	for _, src := range []string{
		"[Webhook \"a\"]\nURL=http://h\nSecret=whsec_dmFsaWQ=\nSecret=plain-" + leak + "*\n",
		"[Webhook \"a\"]\nURL=http://h\nSecretFile=/etc/supers/good.secrets\n",
	} {
		if _, err := parseDaemon("superd.conf", []byte(src), read); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// HTTPHosts= is a set, as ComputeHash counts it: listing the same hosts in
// another order, or one twice, is not a change of the [Daemon] settings (a
// reload used to warn that superd must restart for it to take effect).
func TestDaemonSameSettingsHostsAsSet(t *testing.T) {
	parse := func(text string) *Daemon { return mustParseDaemon(t, text) }
	a := parse("[Daemon]\nHTTPHosts=a.example b.example\n")
	b := parse("[Daemon]\nHTTPHosts=b.example, A.example a.example\n")
	if !a.SameSettings(b) || !b.SameSettings(a) {
		t.Errorf("the same hosts in another order are not the same settings")
	}
	if a.Hash != b.Hash {
		t.Errorf("hashes differ")
	}
	if c := parse("[Daemon]\nHTTPHosts=a.example\n"); a.SameSettings(c) {
		t.Errorf("fewer hosts are the same settings")
	}
}
