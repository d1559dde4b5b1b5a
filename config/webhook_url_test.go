package config

import (
	"strings"
	"testing"
)

// TestWebhookURLWithSpaceRefused: a URL= with a space or another
// blank (an inline comment after the URL, a pasted URL with a
// non-breaking space) is an error naming the problem, not a URL whose path
// silently gains "%20#%20..." and whose requests go elsewhere.
func TestWebhookURLWithSpaceRefused(t *testing.T) {
	for _, url := range []string{
		"https://hooks.example.com/supers # ops team",
		"https://hooks.example.com/supers ; ops",
		"https://hooks.example.com/a b",
		"https://hooks.example.com/a\u00a0b",
		"https://hooks.example.com/?q=a b",
	} {
		src := "[Webhook \"ops\"]\nURL=" + url + "\n"
		_, err := parseDaemon("superd.conf", []byte(src), nil)
		if err == nil {
			t.Errorf("URL=%q accepted", url)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "superd.conf:2") || !strings.Contains(msg, "URL") || !strings.Contains(msg, "space") {
			t.Errorf("URL=%q: error %q does not name the line, the key and the space", url, msg)
		}
		if strings.Contains(msg, "hooks.example.com") {
			t.Errorf("URL=%q: error %q repeats the URL", url, msg)
		}
	}
	// Escaped, it is fine.
	if _, err := parseDaemon("superd.conf", []byte("[Webhook \"ops\"]\nURL=https://hooks.example.com/a%20b\n"), nil); err != nil {
		t.Errorf("escaped space refused: %v", err)
	}
}
