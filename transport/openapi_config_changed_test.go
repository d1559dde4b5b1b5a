package transport

import (
	"encoding/json"
	"strings"
	"testing"
)

// openapi.json said of config_changed that "a reload would apply the
// change", but a comment-only edit sets it too, which a reload finds
// nothing to apply in (as ServiceStatus.ConfigChanged's doc says).
func TestOpenAPIConfigChangedSaysAnyEditSetsIt(t *testing.T) {
	doc := parseOpenAPI(t)
	var prop struct {
		Description string `json:"description"`
	}
	if err := json.Unmarshal(doc.Comps.Schemas["ServiceStatus"].Properties["config_changed"], &prop); err != nil {
		t.Fatal(err)
	}
	d := prop.Description
	if !strings.Contains(d, "comment-only edit") || !strings.Contains(d, "if the service's settings changed") || strings.Contains(d, "would apply the change") {
		t.Errorf("config_changed's description %q: want it to say that a comment-only edit sets it, and that a reload applies the change only if the settings changed", d)
	}
}
