package notify

import "testing"

// TestNewWebhookRejectsUnusableHost: a URL without a host name (only a
// port) or with a port out of range cannot be delivered to; NewWebhook
// says so at once, as superd.conf's parser does, instead of accepting it
// and failing (and retrying) at every event.
func TestNewWebhookRejectsUnusableHost(t *testing.T) {
	for _, u := range []string{
		"http://:8080/hook",
		"http://user@:8080/hook",
		"http://example.com:99999/",
		"https://example.com:0/",
	} {
		if _, err := NewWebhook(WebhookConfig{Name: "a", URL: u}); err == nil {
			t.Errorf("%s: accepted", u)
		}
	}
	for _, u := range []string{"http://example.com:8080/", "https://[::1]:443/", "http://example.com/"} {
		if _, err := NewWebhook(WebhookConfig{Name: "a", URL: u}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}
