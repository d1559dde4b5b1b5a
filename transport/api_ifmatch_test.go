package transport

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestIfMatchInSeveralHeaderLines: If-Match given twice is a list of tags
// (RFC 9110: field lines combine), refused like "a", "b" in one line,
// rather than the first line being used and the second ignored.
func TestIfMatchInSeveralHeaderLines(t *testing.T) {
	fb := newFakeBackend("web")
	h := NewHandler(fb, HandlerOptions{})
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		req := definitionRequest(method)
		req.Header.Add("If-Match", "*")
		req.Header.Add("If-Match", `"0-"`)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "one tag") {
			t.Errorf("%s with two If-Match lines: %d %s, want 400 asking for one tag", method, rec.Code, rec.Body)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("the backend was called: %q", calls)
	}
}

// TestIfMatchNeverReadAsNoCondition: an If-Match that gives no usable tag
// (an empty header or tag, as a script's unset "$HASH" makes; a quoted
// "*", which is a tag and not the wildcard; an unterminated or spaced
// tag) is a 400 naming the problem, and nothing is written or deleted. A
// tag without quotes is taken as the tag; "*" alone is the wildcard. An
// unterminated tag was said to be "quoted at both ends", which read as
// if it were: the message says its closing quote is missing. A tag with
// something after its closing quote (`"abc"x`, `"abc";`) was said to
// miss that quote too: it is "not one tag".
func TestIfMatchNeverReadAsNoCondition(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{``, "empty tag"},
		{`""`, "empty tag"},
		{` "" `, "empty tag"},
		{`"`, "the tag's closing quote is missing"},
		{`"abc`, `If-Match: \"abc: the tag's closing quote is missing`},
		{`"*"`, "not the wildcard"},
		{`"a b"`, "not one tag"},
		{`a"b`, "not one tag"},
		// Something after the closing quote: it is there.
		{`"abc"x`, `If-Match: \"abc\"x: not one tag`},
		{`"abc" def`, `If-Match: \"abc\" def: not one tag`},
		{`"abc";`, `If-Match: \"abc\";: not one tag`},
	} {
		for _, method := range []string{http.MethodPut, http.MethodDelete} {
			fb := newFakeBackend("web")
			h := NewHandler(fb, HandlerOptions{})
			req := definitionRequest(method)
			req.Header["If-Match"] = []string{tc.header}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%s with If-Match %q: %d %s, want 400 saying %q", method, tc.header, rec.Code, rec.Body, tc.want)
			}
			if calls := fb.callLog(); len(calls) != 0 {
				t.Errorf("%s with If-Match %q: the backend was called: %q", method, tc.header, calls)
			}
		}
	}
	for header, want := range map[string]string{`"0-"`: "0-", `0-`: "0-", `*`: "*", ` "ab12" `: "ab12"} {
		req := httptest.NewRequest(http.MethodDelete, "/v1/services/web/definition", nil)
		req.Header.Set("If-Match", header)
		got, err := ifMatch(req)
		if err != nil || got != want {
			t.Errorf("ifMatch(%q) = %q, %v; want %q", header, got, err, want)
		}
	}
}

// definitionRequest returns a request of method to web's definition, with
// a definition as its body if method is PUT (DELETE takes none).
func definitionRequest(method string) *http.Request {
	var body io.Reader
	if method == http.MethodPut {
		body = strings.NewReader("[Service]\nExecStart=/bin/true\n")
	}
	return httptest.NewRequest(method, "/v1/services/web/definition", body)
}
