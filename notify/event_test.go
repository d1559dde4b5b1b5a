package notify

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewEvent(t *testing.T) {
	before := time.Now().Add(-time.Millisecond)
	e := NewEvent(TypeStart, "web")
	if e.Version != SchemaVersion || e.Type != TypeStart || e.Service != "web" {
		t.Fatalf("event = %+v", e)
	}
	if !uuidRE.MatchString(e.ID) {
		t.Errorf("id %q is not a v4 UUID", e.ID)
	}
	if e.Time.Location() != time.UTC || e.Time.Before(before) || e.Time.After(time.Now()) {
		t.Errorf("time %v not now in UTC", e.Time)
	}
	if host, _ := os.Hostname(); e.Host != host {
		t.Errorf("host = %q, want %q", e.Host, host)
	}
	seen := map[string]bool{}
	for range 1000 {
		id := NewEvent(TypeStart, "web").ID
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

func TestEventJSON(t *testing.T) {
	zero := 0
	e := Event{
		Version: 1, ID: "x", Type: TypeExit, Service: "web", Host: "h",
		Time: time.Date(2025, 6, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
		PID:  7, Code: &zero,
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"id":"x","type":"exit","service":"web","time":"2025-06-01T12:00:00.000Z","host":"h","pid":7,"code":0}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Time.Equal(e.Time) || back.Code == nil || *back.Code != 0 || back.PID != 7 {
		t.Errorf("round trip: %+v", back)
	}
	// A pointer marshals the same way.
	pb, err := json.Marshal(&e)
	if err != nil || !bytes.Equal(pb, b) {
		t.Errorf("pointer marshal = %s, %v", pb, err)
	}
}

func TestKnownType(t *testing.T) {
	for _, typ := range Types() {
		if !KnownType(typ) {
			t.Errorf("KnownType(%q) = false", typ)
		}
	}
	if KnownType("crash") || KnownType("") {
		t.Error("unknown type accepted")
	}
}

func TestFilterMatch(t *testing.T) {
	start := Event{Type: TypeStart, Service: "web"}
	reload := Event{Type: TypeReload, Changed: []string{"db"}}
	cases := []struct {
		name string
		f    Filter
		e    Event
		want bool
	}{
		{"zero matches all", Filter{}, start, true},
		{"zero matches reload", Filter{}, reload, true},
		{"type in", Filter{Events: []string{TypeExit, TypeStart}}, start, true},
		{"type out", Filter{Events: []string{TypeExit}}, start, false},
		{"service in", Filter{Services: []string{"web"}}, start, true},
		{"service out", Filter{Services: []string{"db"}}, start, false},
		{"both", Filter{Events: []string{TypeStart}, Services: []string{"web"}}, start, true},
		{"type ok service out", Filter{Events: []string{TypeStart}, Services: []string{"db"}}, start, false},
		{"reload names a listed service", Filter{Services: []string{"db"}}, reload, true},
		{"reload names none", Filter{Services: []string{"web"}}, reload, false},
	}
	for _, c := range cases {
		if got := c.f.Match(c.e); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestEventsDoc parses every JSON example of EVENTS.md and checks that it
// decodes into Event without unknown fields and encodes back to the same
// JSON, and that every type has an example.
func TestEventsDoc(t *testing.T) {
	doc, err := os.ReadFile("EVENTS.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) == 0 {
		t.Fatal("no json example in EVENTS.md")
	}
	types := map[string]bool{}
	for i, m := range blocks {
		dec := json.NewDecoder(bytes.NewReader(m[1]))
		dec.DisallowUnknownFields()
		var e Event
		if err := dec.Decode(&e); err != nil {
			t.Errorf("example %d: %v", i+1, err)
			continue
		}
		if e.Version != SchemaVersion || !KnownType(e.Type) || !uuidRE.MatchString(e.ID) {
			t.Errorf("example %d: bad version, type or id: %+v", i+1, e)
		}
		types[e.Type] = true
		out, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var want, got any
		if err := json.Unmarshal(m[1], &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("example %d does not round-trip:\n doc: %s\n got: %s", i+1, strings.TrimSpace(string(m[1])), out)
		}
		// The doc lists the fields in the order they are written.
		var compact bytes.Buffer
		if err := json.Compact(&compact, m[1]); err != nil {
			t.Fatal(err)
		}
		if compact.String() != string(out) {
			t.Errorf("example %d: field order differs:\n doc: %s\n got: %s", i+1, compact.String(), out)
		}
	}
	for _, typ := range Types() {
		if !types[typ] {
			t.Errorf("EVENTS.md has no example of %q", typ)
		}
	}
}
