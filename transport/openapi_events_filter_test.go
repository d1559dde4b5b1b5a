package transport

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// TestOpenAPIEventsServiceNamesConfigErrors: GET /v1/events?service=NAME
// filters as notify.Filter does, which passes a config-error that has no
// service (superd.conf, the config dir) whatever the name, even one no
// service has. The API's description and its service parameter must say
// so, not that such a name matches nothing.
func TestOpenAPIEventsServiceNamesConfigErrors(t *testing.T) {
	e := notify.NewEvent(notify.TypeConfigError, "")
	if !(notify.Filter{Services: []string{"nosuchservice"}}).Match(e) {
		t.Fatal("a config-error without a service no longer passes every service filter: the docs this test checks say it does")
	}
	var doc struct {
		Paths struct {
			Events struct {
				Get struct {
					Description string `json:"description"`
				} `json:"get"`
			} `json:"/v1/events"`
		} `json:"paths"`
		Components struct {
			Parameters struct {
				EventsService struct {
					Description string `json:"description"`
				} `json:"EventsService"`
			} `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(openAPIDoc), &doc); err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{
		"GET /v1/events":              doc.Paths.Events.Get.Description,
		"the EventsService parameter": doc.Components.Parameters.EventsService.Description,
	} {
		if text == "" {
			t.Errorf("%s has no description", what)
			continue
		}
		if strings.Contains(text, "matches nothing") {
			t.Errorf("%s says a name no service has matches nothing: %q", what, text)
		}
		if !strings.Contains(text, "config-error") {
			t.Errorf("%s does not name the config-error events without a service that pass any service filter: %q", what, text)
		}
	}
}
