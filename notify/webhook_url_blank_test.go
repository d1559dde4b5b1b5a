package notify

import (
	"strings"
	"testing"
)

// TestNewWebhookRefusesBlankInURL: a URL with a blank character is
// refused, as superd.conf refuses it, rather than POSTed to with the blank
// escaped (a path that is not the one meant); the error does not repeat
// the URL.
func TestNewWebhookRefusesBlankInURL(t *testing.T) {
	for _, u := range []string{"https://example.com/hook # ops", "https://example.com/a b?t=SECRET", "https://example.com/a\u00a0b"} {
		_, err := NewWebhook(WebhookConfig{Name: "ops", URL: u})
		if err == nil {
			t.Errorf("%q accepted", u)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "blank") || strings.Contains(msg, "example.com") {
			t.Errorf("%q: error %q", u, msg)
		}
	}
}
