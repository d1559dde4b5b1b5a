//go:build unix

package transport

import (
	"errors"
	"strings"
	"testing"
)

// supers --socket PATH, where something other than superd listens, said
// what net/http says ("net/http: HTTP/1.x transport connection broken:
// malformed HTTP response ...", "EOF") after "talking to superd at PATH".
// It says that what answers at PATH does not speak superd's API, and
// still why.
func TestClientNamesAForeignServer(t *testing.T) {
	for _, tc := range []struct {
		name, answer, detail string
	}{
		{"garbage", "SSH-2.0-OpenSSH_9.6\r\nhello\r\n", `malformed HTTP response "SSH-2.0-OpenSSH_9.6"`},
		{"closes at once", "", "closed the connection without answering"},
		{"HTML page", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>",
			`it answered GET /v1/services with "text/html", not JSON): invalid character '<'`},
		{"no Content-Type", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
			`it answered GET /v1/services without a Content-Type, not JSON): invalid character 'h'`},
		{"HTML 404", "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>",
			"it answered 404 Not Found without superd's JSON error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := serveRaw(t, tc.answer)
			_, err := NewClient(path).List(t.Context())
			var unreachable *UnreachableError
			if err == nil || errors.As(err, &unreachable) {
				t.Fatalf("List = %v; want an error about what answered", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "what answers at "+path+" ") || !strings.Contains(msg, "does not speak superd's API") ||
				!strings.Contains(msg, tc.detail) {
				t.Errorf("List: %q\nwant it to say that what answers at %s does not speak superd's API, and %q", msg, path, tc.detail)
			}
		})
	}
}
