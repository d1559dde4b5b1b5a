package transport

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPIForbiddenNamesSocketGroupRule: a member of the socket group
// gets a 403 when it writes, replaces or removes a definition that does
// not run as itself, but the Forbidden response and the definition's PUT
// and DELETE said a 403 on the socket meant only a user not allowed to
// connect, and for a definition only TCP's rules: an API client could
// neither predict nor explain those 403s.
func TestOpenAPIForbiddenNamesSocketGroupRule(t *testing.T) {
	type described struct {
		Description string `json:"description"`
	}
	var doc struct {
		Paths      map[string]map[string]described `json:"paths"`
		Components struct {
			Responses map[string]described `json:"responses"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(openAPIDoc), &doc); err != nil {
		t.Fatal(err)
	}
	def := doc.Paths["/v1/services/{name}/definition"]
	for where, text := range map[string]string{
		"the Forbidden response": doc.Components.Responses["Forbidden"].Description,
		"PUT of a definition":    def["put"].Description,
		"DELETE of a definition": def["delete"].Description,
	} {
		if !strings.Contains(text, "a member of the control group") || !strings.Contains(text, "as itself") ||
			!strings.Contains(text, "--socket-allow-root-services") {
			t.Errorf("%s does not tell the socket group's rule for definitions: %q", where, text)
		}
	}
}
