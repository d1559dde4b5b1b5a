package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestClientListEach(t *testing.T) {
	names := make([]string, 1500)
	for i := range names {
		names[i] = fmt.Sprintf("svc%04d", i)
	}
	fb := newFakeBackend(names...)
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	list, err := c.List(t.Context())
	if err != nil || len(list) != len(names) {
		t.Fatalf("List: %d services, %v", len(list), err)
	}
	var got []ServiceStatus
	if err := c.ListEach(t.Context(), func(s ServiceStatus) error {
		got = append(got, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(list) {
		t.Fatalf("ListEach: %d services, List %d", len(got), len(list))
	}
	for i := range got {
		if got[i] != list[i] {
			t.Fatalf("service %d: ListEach %+v, List %+v", i, got[i], list[i])
		}
	}

	// fn's error stops the listing and comes back as it is.
	stop := errors.New("enough")
	calls := 0
	err = c.ListEach(t.Context(), func(ServiceStatus) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 3 { //nolint:errorlint // unwrapped, as documented
		t.Fatalf("got %v after %d calls, want %v after 3", err, calls, stop)
	}
}

// decodeList decodes body as List does.
func decodeList(body string) ([]ServiceStatus, error) {
	out := []ServiceStatus{}
	s := statusStream{fn: func(st ServiceStatus) error {
		out = append(out, st)
		return nil
	}}
	if err := s.decodeStream(strings.NewReader(body)); err != nil {
		return nil, err
	}
	if s.null {
		return nil, nil
	}
	return out, nil
}

// decodeWhole decodes body as List did before it streamed.
func decodeWhole(body string) ([]ServiceStatus, error) {
	var out []ServiceStatus
	if err := json.NewDecoder(strings.NewReader(body)).Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkSameDecoding fails if List decodes body otherwise than a
// json.Decoder decoding it whole: another list, another error (a syntax
// error may be worded otherwise).
func checkSameDecoding(t *testing.T, body string) {
	t.Helper()
	got, err := decodeList(body)
	want, wantErr := decodeWhole(body)
	var syntax, wantSyntax *json.SyntaxError
	switch {
	case errors.As(wantErr, &wantSyntax):
		if !errors.As(err, &syntax) {
			t.Errorf("%q: got %#v, %v; want a syntax error (%v)", body, got, err, wantErr)
		}
	case fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want):
		t.Errorf("%q: got %#v, %v; want %#v, %v", body, got, err, want, wantErr)
	}
}

// listBodies are answers to GET /v1/services, right and wrong.
func listBodies() []string {
	return []string{
		"[]", " [ ] ", "\n\t[]", "null", " null", "", " ", "{}", `{"name":"a"}`, `"x"`, "3", "true", "nul",
		`[{"name":"a","state":"running","pid":3,"started_at":"2025-01-02T03:04:05Z","last_exit":{"code":1,"time":"2025-01-02T03:04:05Z"}}]`,
		`[{"name":"a"},{"name":"b"}]`, `[{"name":"a"}] trailing`, `[{"name":"a"},`, `[{"name":"a"}`, `[{"name":"a"},]`,
		`[{"name":"a"} {"name":"b"}]`, `[1]`, `[null]`, `[{"pid":"x"}]`, `[{"pid":"x"},{"pid":1}]`,
		`[{"pid":"x"},{"name":`, `[{"pid":"x"},{"name":"b"} x]`, `[{"name":"a"},{"pid":1.5},{"restarts":"r"}]`,
		`[{"started_at":"yesterday"}]`, `[{"last_exit":[]}]`, `[{"name":"a","name":"b"}]`, `[{"Name":"a","STATE":"x"}]`,
		`[{"name":"\u00e9\ud800"}]`, "[\"\xff\"]", `[[]]`, `[{}]`,
		// A value UnmarshalJSON refuses, then the answer cut: the cut wins.
		`[{"started_at":0}`, `[{"started_at":0},{"pid":"x"}]`, `[{"pid":"x"},{"started_at":0}]`,
	}
}

func TestStatusStreamDecodesAsAWhole(t *testing.T) {
	for _, body := range listBodies() {
		checkSameDecoding(t, body)
	}
}

func FuzzStatusStream(f *testing.F) {
	for _, body := range listBodies() {
		f.Add(body)
	}
	f.Fuzz(checkSameDecoding)
}

func TestClientListMalformed(t *testing.T) {
	// Over the socket, with the error said as for any other answer.
	c := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `[{"name":"a"},{"pid":"x"}]`)
	})))
	_, err := c.List(t.Context())
	want := "decoding answer to GET /v1/services from superd: json: cannot unmarshal string into Go struct field ServiceStatus.pid of type int"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
