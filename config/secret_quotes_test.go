package config

import (
	"errors"
	"strings"
	"testing"
)

// TestSecretInQuotes checks that a Secret= (or a line of a SecretFile=)
// written in quotes is refused: the quotes were kept as part of the
// secret, so that Secret="whsec_..." was taken for a raw secret, quotes
// and prefix included, and every request got a signature its receiver
// could not verify, without a word from superd.
func TestSecretInQuotes(t *testing.T) {
	const secret = "whsec_" + leak
	read := fakeFiles(map[string]string{
		"/etc/supers/quoted.secrets": "whsec_dmFsaWQ=\n'" + secret + "'\n",
	})
	for _, tc := range []struct{ name, src, want string }{
		{"double", "[Webhook \"a\"]\nURL=http://h\nSecret=\"" + secret + "\"\n", `superd.conf:3: [Webhook "a"] Secret: invalid value: `},
		{"single", "[Webhook \"a\"]\nURL=http://h\nSecret='" + secret + "'\n", `superd.conf:3: [Webhook "a"] Secret: invalid value: `},
		{"raw", "[Webhook \"a\"]\nURL=http://h\nSecret=\"raw\"\n", `superd.conf:3: [Webhook "a"] Secret: invalid value: `},
		{"SecretFile", "[Webhook \"a\"]\nURL=http://h\nSecretFile=/etc/supers/quoted.secrets\n",
			`superd.conf:3: [Webhook "a"] SecretFile: /etc/supers/quoted.secrets:2: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseDaemon("superd.conf", []byte(tc.src), read)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.want) || !strings.Contains(msg, "quotes") {
				t.Errorf("error = %s\nwant %s... about the quotes", msg, tc.want)
			}
			if strings.Contains(msg, leak) {
				t.Errorf("the error shows the secret: %s", msg)
			}
			if tc.name != "SecretFile" && !errors.Is(err, ErrInvalidValue) {
				t.Errorf("%v does not wrap ErrInvalidValue", err)
			}
		})
	}
	// A quote inside a secret, or at one end only, is the secret's.
	for _, s := range []string{`a"b`, `"ab`, `ab'`, `'ab"`} {
		d, err := parseDaemon("superd.conf", []byte("[Webhook \"a\"]\nURL=http://h\nSecret="+s+"\n"), read)
		if err != nil || len(d.Webhooks) != 1 || d.Webhooks[0].Secrets[0] != s {
			t.Errorf("Secret=%s: %v", s, err)
		}
	}
}
