package transport

import (
	_ "embed" // the OpenAPI document
	"io"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.0 document of the control API, served at GET
// /v1/openapi.json. A string, so that nothing can change it.
//
//go:embed openapi.json
var openAPIDoc string

// serveOpenAPI serves GET /v1/openapi.json.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, openAPIDoc)
}
