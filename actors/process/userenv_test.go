package process

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoginShell(t *testing.T) {
	passwd := filepath.Join(t.TempDir(), "passwd")
	data := "root:x:0:0:root:/root:/bin/bash\n" +
		"# a comment\n" +
		"app:x:1000:1000:App,,,:/home/app:/usr/bin/zsh\n" +
		"short:x:1001:1001\n" +
		"nologin:x:1002:1002::/nonexistent:/usr/sbin/nologin\n"
	if err := os.WriteFile(passwd, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, uid, want string }{
		{"root", "0", "/bin/bash"},
		{"app", "1000", "/usr/bin/zsh"},
		{"app", "1001", ""}, // another uid under that name: not this entry
		{"short", "1001", ""},
		{"nologin", "1002", "/usr/sbin/nologin"},
		{"ghost", "4242", ""},
	} {
		if got := loginShell(passwd, tc.name, tc.uid); got != tc.want {
			t.Errorf("loginShell(%s, %s) = %q, want %q", tc.name, tc.uid, got, tc.want)
		}
	}
	if got := loginShell(filepath.Join(t.TempDir(), "none"), "root", "0"); got != "" {
		t.Errorf("no passwd file: %q", got)
	}
}
