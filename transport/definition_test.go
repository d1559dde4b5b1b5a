//go:build linux || darwin || freebsd

package transport

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
)

func TestDefinitionRoundTrip(t *testing.T) {
	fb := newFakeBackend("web")
	path, _ := serveUnixAccess(t, fb, DefaultSocketAccess(-1))
	c := NewClient(path)
	ctx := t.Context()

	if _, err := c.Definition(ctx, "web"); !errors.Is(err, ErrUnknownService) {
		t.Fatalf("Definition of a service without a file: %v, want ErrUnknownService", err)
	}
	v1 := []byte("[Service]\nExecStart=/bin/sleep 1\n")
	res, err := c.PutDefinition(ctx, "web", v1, "")
	if err != nil || res.Action != ActionCreated || res.Hash != fakeHash(string(v1)) {
		t.Fatalf("create: %+v, %v", res, err)
	}
	// The socket client is named by its uid.
	if got := fb.lastWrite["web"].Caller; got.Remote || got.UID != os.Geteuid() || got.String() == "token" {
		t.Fatalf("caller %+v (%s), want uid %d", got, got, os.Geteuid())
	}
	d, err := c.Definition(ctx, "web")
	if err != nil || d.Text != string(v1) || d.Hash != res.Hash || d.Name != "web" {
		t.Fatalf("Definition: %+v, %v", d, err)
	}
	if res, err = c.PutDefinition(ctx, "web", v1, d.Hash); err != nil || res.Action != ActionUnchanged {
		t.Fatalf("same text with If-Match: %+v, %v", res, err)
	}
	v2 := append([]byte("# v2\n"), v1...)
	if res, err = c.PutDefinition(ctx, "web", v2, d.Hash); err != nil || res.Action != ActionUpdated {
		t.Fatalf("update: %+v, %v", res, err)
	}
	// d.Hash is stale now.
	if _, err = c.PutDefinition(ctx, "web", v1, d.Hash); !errors.Is(err, ErrPreconditionFailed) {
		t.Fatalf("stale If-Match: %v, want ErrPreconditionFailed", err)
	}
	if _, err = c.DeleteDefinition(ctx, "web", d.Hash); !errors.Is(err, ErrPreconditionFailed) {
		t.Fatalf("stale If-Match on delete: %v, want ErrPreconditionFailed", err)
	}

	// An invalid definition: 400 with the list of problems.
	_, err = c.PutDefinition(ctx, "web", []byte("[Service]\nRestart=invalid\n"), "")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrInvalidArgument) || len(apiErr.Errors) != 1 || apiErr.Errors[0].Line != 2 ||
		!strings.Contains(apiErr.Errors[0].Message, "Restart") {
		t.Fatalf("invalid definition: %#v", err)
	}

	res, err = c.DeleteDefinition(ctx, "web", "*")
	if err != nil || res.Action != ActionDeleted || res.Trash == "" {
		t.Fatalf("delete: %+v, %v", res, err)
	}
	if _, err = c.DeleteDefinition(ctx, "web", ""); !errors.Is(err, ErrUnknownService) {
		t.Fatalf("delete again: %v, want ErrUnknownService", err)
	}
}

func TestDefinitionHTTP(t *testing.T) {
	fb := newFakeBackend("web")
	fb.defs["web"] = "[Service]\nExecStart=/bin/true\n"
	srv := serveTCP(t, fb, TCPOptions{})
	do := func(method, ifMatch string, body []byte) answer {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.url+"/v1/services/web/definition", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return answer{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
	}
	get := do(http.MethodGet, "", nil)
	wantTag := `"` + fakeHash(fb.defs["web"]) + `"`
	if get.status != http.StatusOK || get.header.Get("ETag") != wantTag {
		t.Fatalf("GET: %d, ETag %q, want 200 and %s", get.status, get.header.Get("ETag"), wantTag)
	}
	for _, tc := range []struct {
		ifMatch string
		status  int
	}{
		{`W/` + wantTag, http.StatusBadRequest},
		{wantTag + `, "x"`, http.StatusBadRequest},
		{`"nope"`, http.StatusPreconditionFailed},
	} {
		if a := do(http.MethodPut, tc.ifMatch, []byte("[Service]\nExecStart=/bin/false\n")); a.status != tc.status {
			t.Errorf("PUT If-Match %s: %d %s, want %d", tc.ifMatch, a.status, a.body, tc.status)
		}
	}
	// The TCP client is "token".
	if a := do(http.MethodPut, wantTag, []byte("[Service]\nExecStart=/bin/false\n")); a.status != http.StatusOK ||
		!fb.lastWrite["web"].Caller.Remote || fb.lastWrite["web"].Caller.String() != "token" {
		t.Fatalf("PUT: %d %s, caller %+v", a.status, a.body, fb.lastWrite["web"].Caller)
	}
	if a := do(http.MethodPut, "", bytes.Repeat([]byte("#"), maxRequestBody+1)); a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized PUT: %d, want 413", a.status)
	}
	if a := do(http.MethodPut, "", []byte("invalid")); a.status != http.StatusBadRequest || !bytes.Contains(a.body, []byte(`"errors":[{"file"`)) {
		t.Fatalf("invalid PUT: %d %s", a.status, a.body)
	}
	if a := do(http.MethodPost, "", nil); a.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d, want 405", a.status)
	}
}
