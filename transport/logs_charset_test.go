package transport

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"
)

// TestHandlerLogsNoCharset: the logs answer passes bytes that are not
// UTF-8 through as they are, and does not declare a charset they do not
// meet (a client trusting it would replace them); the OpenAPI document
// names the media type served.
func TestHandlerLogsNoCharset(t *testing.T) {
	fb := newFakeBackend("web")
	fb.logText = "a\xff\xfeb\x00c\n\xe9t\xe9\n"
	h, _ := newTestHandler(t, fb)
	a := serve(t, h, "GET", "/v1/services/web/logs?tail=all", nil)
	if a.status != http.StatusOK || string(a.body) != fb.logText {
		t.Fatalf("status %d, body %q", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != logsContentType {
		t.Errorf("Content-Type %q, want %q", ct, logsContentType)
	}

	var op struct {
		Responses map[string]struct {
			Content map[string]json.RawMessage `json:"content"`
		} `json:"responses"`
	}
	doc := parseOpenAPI(t)
	if err := json.Unmarshal(doc.Paths["/v1/services/{name}/logs"]["get"], &op); err != nil {
		t.Fatal(err)
	}
	if types := slices.Collect(maps.Keys(op.Responses["200"].Content)); !slices.Equal(types, []string{logsContentType}) {
		t.Errorf("OpenAPI: the 200 of the logs is %q, want %q", types, logsContentType)
	}
}
