package transport

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Every operation lists the status superd answers it with when the
// request is bad in a way any request can be: a body over 1 MiB (413,
// whatever the route: the handler refuses it before routing, a GET or a
// DELETE too) and a query parameter the route does not take (400). A
// client generated from the document must know them.
func TestOpenAPIListsTheAnswersToBadRequests(t *testing.T) {
	doc := parseOpenAPI(t)
	h, _ := newTestHandler(t, newFakeBackend("web"))
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op openAPIOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			target := strings.ReplaceAll(path, "{name}", "web")
			for _, bad := range []struct {
				what, query string
				body        []byte
			}{
				{what: "a body over 1 MiB", body: make([]byte, maxRequestBody+1)},
				{what: "an unknown query parameter", query: "?zzz=1"},
			} {
				a := serve(t, h, strings.ToUpper(method), target+bad.query, bytes.NewReader(bad.body))
				if a.status == http.StatusOK {
					if path == healthPath {
						continue // it ignores what it is sent
					}
					t.Errorf("%s %s with %s: 200", method, path, bad.what)
					continue
				}
				if _, ok := op.Responses[strconv.Itoa(a.status)]; !ok {
					t.Errorf("%s %s with %s: superd answers %d, which openapi.json does not list", method, path, bad.what, a.status)
				}
			}
		}
	}
}
