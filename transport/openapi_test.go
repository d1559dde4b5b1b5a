package transport

import (
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// openAPI is the part of an OpenAPI document the tests look at.
type openAPI struct {
	OpenAPI  string                                `json:"openapi"`
	Security []map[string][]string                 `json:"security"`
	Paths    map[string]map[string]json.RawMessage `json:"paths"`
	Comps    struct {
		Schemas         map[string]openAPISchema  `json:"schemas"`
		Parameters      map[string]openAPIParam   `json:"parameters"`
		SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
	} `json:"components"`
}

type openAPISchema struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

type openAPIParam struct {
	Name string `json:"name"`
	In   string `json:"in"`
}

type openAPIOp struct {
	Security   *[]map[string][]string `json:"security"`
	Parameters []struct {
		Ref string `json:"$ref"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
}

func parseOpenAPI(t *testing.T) openAPI {
	t.Helper()
	var doc openAPI
	dec := json.NewDecoder(strings.NewReader(openAPIDoc))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi %q, want 3.0.x", doc.OpenAPI)
	}
	return doc
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc := parseOpenAPI(t)
	routes := map[string]bool{}
	for _, rt := range (&handler{}).routes() {
		routes[strings.ToLower(rt.method)+" "+rt.path] = true
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[method+" "+path] = true
		}
	}
	for r := range routes {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for d := range documented {
		if !routes[d] {
			t.Errorf("openapi.json describes %s, which is not a route", d)
		}
	}
}

func TestOpenAPIOperations(t *testing.T) {
	doc := parseOpenAPI(t)
	if s := doc.Comps.SecuritySchemes["bearerAuth"]; s["type"] != "http" || s["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearerAuth = %v", s)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("global security %v, want bearerAuth", doc.Security)
	}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op openAPIOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			// Only the liveness check is open.
			if open := op.Security != nil && len(*op.Security) == 0; open != (path == healthPath) {
				t.Errorf("%s %s: open without a token = %v", method, path, open)
			}
			if _, ok := op.Responses["200"]; !ok {
				t.Errorf("%s %s: no 200 answer", method, path)
			}
			if _, ok := op.Responses["421"]; !ok {
				t.Errorf("%s %s: no 421 answer", method, path)
			}
			// Every connection to the socket goes through its reserving
			// listener, whose refusal is a 503 whatever the route.
			if _, ok := op.Responses["503"]; !ok {
				t.Errorf("%s %s: no 503 answer (the socket's refusal)", method, path)
			}
			if _, ok := op.Responses["401"]; ok == (path == healthPath) {
				t.Errorf("%s %s: 401 documented = %v", method, path, ok)
			}
			if strings.Contains(path, "{name}") && !slices.ContainsFunc(op.Parameters, func(p struct {
				Ref string `json:"$ref"`
			}) bool {
				return p.Ref == "#/components/parameters/ServiceName"
			}) {
				t.Errorf("%s %s: no name parameter", method, path)
			}
		}
	}

	// The log query parameters.
	var logs openAPIOp
	if err := json.Unmarshal(doc.Paths["/v1/services/{name}/logs"]["get"], &logs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range logs.Parameters {
		param := doc.Comps.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
		names = append(names, param.In+":"+param.Name)
	}
	if want := []string{"path:name", "query:stream", "query:tail", "query:follow"}; !slices.Equal(names, want) {
		t.Errorf("logs parameters %q, want %q", names, want)
	}
}

func TestOpenAPIReferencesResolve(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(openAPIDoc), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				target := doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := target.(map[string]any)
					target = m[part]
				}
				if target == nil || !strings.HasPrefix(ref, "#/") {
					t.Errorf("$ref %q does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}

// jsonFields returns the JSON names of t's fields.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// alwaysEncoded returns the JSON names that every encoding of a t has: those
// of its zero value's (omitempty leaves out only empty values), through its
// own MarshalJSON if it has one.
func alwaysEncoded(t *testing.T, typ reflect.Type) []string {
	t.Helper()
	b, err := json.Marshal(reflect.Zero(typ).Interface())
	if err != nil {
		t.Fatalf("encode a zero %s: %v", typ, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("a zero %s: %v", typ, err)
	}
	return slices.Sorted(maps.Keys(m))
}

// TestOpenAPISchemasMatchTypes holds every schema of openapi.json to the Go
// type the API encodes it from: the same properties, and none required
// that an answer may leave out (omitempty). A schema without a type here
// fails it, so that none is left unchecked.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := parseOpenAPI(t)
	types := map[string]reflect.Type{
		"ServiceStatus":    reflect.TypeFor[ServiceStatus](),
		"ExitInfo":         reflect.TypeFor[ExitInfo](),
		"ErrorBody":        reflect.TypeFor[ErrorBody](),
		"ReloadResult":     reflect.TypeFor[ReloadResult](),
		"ConfigErrors":     reflect.TypeFor[ConfigErrors](),
		"ConfigError":      reflect.TypeFor[ConfigError](),
		"VersionInfo":      reflect.TypeFor[VersionInfo](),
		"ServiceUsage":     reflect.TypeFor[ServiceUsage](),
		"SignalRequest":    reflect.TypeFor[SignalRequest](),
		"Definition":       reflect.TypeFor[Definition](),
		"DefinitionResult": reflect.TypeFor[DefinitionResult](),
		"Event":            reflect.TypeFor[notify.Event](),
	}
	for name, s := range doc.Comps.Schemas {
		props := slices.Sorted(maps.Keys(s.Properties))
		var want, always []string
		if name == "Health" {
			// No type: the handler writes a map. Its answer is the
			// reference, every key always there.
			h, _ := newTestHandler(t, newFakeBackend())
			var body map[string]any
			if err := json.Unmarshal(serve(t, h, "GET", healthPath, nil).body, &body); err != nil {
				t.Fatalf("GET %s: %v", healthPath, err)
			}
			want = slices.Sorted(maps.Keys(body))
			always = want
		} else if typ, ok := types[name]; ok {
			want, always = jsonFields(typ), alwaysEncoded(t, typ)
		} else {
			t.Errorf("schema %s: no Go type to check it against (add it to this test)", name)
			continue
		}
		if !slices.Equal(props, want) {
			t.Errorf("schema %s has properties %q, the type has %q", name, props, want)
		}
		for _, r := range s.Required {
			if !slices.Contains(always, r) {
				t.Errorf("schema %s requires %q, which an answer may leave out", name, r)
			}
		}
	}
	for name := range types {
		if _, ok := doc.Comps.Schemas[name]; !ok {
			t.Errorf("no schema %s", name)
		}
	}
}

func TestOpenAPIEventTypes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Event struct {
					Properties struct {
						Type struct {
							Enum []string `json:"enum"`
						} `json:"type"`
					} `json:"properties"`
				} `json:"Event"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(openAPIDoc), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Components.Schemas.Event.Properties.Type.Enum; !slices.Equal(got, notify.Types()) {
		t.Errorf("event types %q, want notify.Types() %q", got, notify.Types())
	}
}

func TestHandlerServesOpenAPI(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend())
	a := serve(t, h, "GET", "/v1/openapi.json", nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/json" || string(a.body) != openAPIDoc {
		t.Fatalf("status %d, Content-Type %q, %d bytes", a.status, a.header.Get("Content-Type"), len(a.body))
	}
}
