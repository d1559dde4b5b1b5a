package process

import (
	"os"
	"os/user"
	"path/filepath"
	"slices"
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

// A numeric uid is looked up by its number: "007" is uid 7, whose entry
// says "7" (looked up as text, it had none: HOME=/ and USER=007).
func TestUserEnvNumericWithLeadingZeros(t *testing.T) {
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	env, err := UserEnv("00" + nobody.Uid)
	if err != nil || !slices.Contains(env, "USER=nobody") || !slices.Contains(env, "HOME="+nobody.HomeDir) {
		t.Errorf("UserEnv(00%s) = %q, %v; want nobody's", nobody.Uid, env, err)
	}
}
