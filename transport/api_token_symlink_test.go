//go:build unix

package transport

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// A token file replaced by a symbolic link is read through it, as at
// start: the link switched to another file (a new release of a secrets
// dir) puts that file's token in force, and a target others may read is
// refused, the token in force kept.
func TestTCPTokenFileSymlinked(t *testing.T) {
	file := writeTokenFile(t, testToken)
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{Token: testToken, TokenFile: file})
	c := newTokenClient(t, srv)
	c.wantStatus(testToken, http.StatusOK, "the token at start")

	dir := t.TempDir()
	target := func(name, token string, perm os.FileMode) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(token+"\n"), perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(to string) {
		t.Helper()
		tmp := file + ".link"
		if err := os.Symlink(to, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	link(target("b", tokenB, 0o600))
	c.wantStatus(tokenB, http.StatusOK, "the token of the link's target")
	c.wantStatus(testToken, http.StatusUnauthorized, "the token before the link")

	link(target("c", tokenC, 0o644))
	c.wantStatus(tokenC, http.StatusUnauthorized, "the token of a target others may read")
	c.wantStatus(tokenB, http.StatusOK, "the token in force, the link's new target refused")

	link(target("c2", tokenC, 0o600))
	c.wantStatus(tokenC, http.StatusOK, "the token of the link switched to a private target")
	c.wantStatus(tokenB, http.StatusUnauthorized, "the token of the link's previous target")
	noTokenLogged(t, srv.logs.String(), testToken, tokenB, tokenC)
}
