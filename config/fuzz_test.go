package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that the scanner and ini.v1
// always agree (no "internal error"), that every error names the file, and
// that what Parse accepts is valid for Validate and has a stable Hash.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.service"))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, s := range []string{
		"",
		"[Service]\nExecStart=/bin/true\n",
		"[Service]\r\nExecStart=/bin/true\r\n",
		"\uFEFF[Service]\nExecStart=/bin/true",
		"[Service]\nExecStart=a \\\n\\\n b \\\n",
		"[Service]\nExecStart=`a\n`\n",
		"[Service]\nExecStart=\"\"\"a\n\"\"\"\n",
		"[Service]\nExecStart=\\\n`/bin/echo` x\n",
		"[Service]\nExecStart=\\\n  `/bin/echo hello\nUser=nobody\n",
		"[Service]\nExecStart=\"a\" \"b\"\nEnvironment='A=1' \"B=2\"\n",
		"[Service]\nEnvironment=\nEnvironment=\nEnvironment=A=1\nEnvironment=A=1\nExecStart=x\n",
		"[Service]\n\"ExecStart\"=x\n`User`=y\n-=z\n",
		"[]\n[Service.x]\n[DEFAULT]\nExecStart=x\n[Service]\nExecStart=x\n",
		"[Service]\nExecStart=x\nEnvironmentFile=/etc/supers/app.env\nEnvironmentFile=-/nope\n",
		"[Service]\nExecStart=x\n[Log]\nMaxSize=1.5G\nMaxAge=1y 2M 3w\nRotateEvery=infinity\n",
		"[Service]\nExecStart=x\nKillSignal=31\nTimeoutStopSec=0\n",
		"[Service]\nExecStart=x\xff\xfe\nUser=\u00a0a\u00a0\n",
		"\xfe\xff[Service]\nExecStart=x\n",
		"[Service]\nExecStart=x\nDescription=\\\n[Unit]\nDescription=y\n",
		"[Service]\nEnvironment=\\", // a continuation at the end of the file
		"[Service]\nExecStart=x\nRestart=Always\nSuccessExitStatus=0 255 TERM sigusr1\nSuccessExitStatus=1 1\n",
		"[Service]\nExecStart=x\nRestart=on-abort\nRestartPreventExitStatus=256 -1 SIGRTMIN\nRestartForceExitStatus=\n",
		"[Service]\nExecStart=x\nRestartSec=0\nRestartMaxDelaySec=0\nStableSec=0\nStartLimitBurst=1\n",
		"[Service]\nExecStart=x\nRestartSec=1min\nRestartMaxDelaySec=30s\nStartLimitBurst=0\n",
		"[Service]\nExecStart=x\nStartLimitIntervalSec=infinity\nRestartCooldownSec=0\n",
		"[Service]\nExecStart=x\nStartLimitIntervalSec=0\nRestartCooldownSec=infinity\nRestartSec=infinity\n",
		"[Unit]\nStartLimitBurst=5\n[Service]\nExecStart=x\nRestrat=no\nRestartSecs=1\n",
	} {
		f.Add([]byte(s))
	}

	read := fakeFiles(map[string]string{
		"/etc/supers/app.env": "A=1\nexport B='2'\n",
		"/etc/supers/dir":     "<dir>",
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkValues(t, data)
		s, err := parse("fuzz", "fuzz.service", data, read)
		if err != nil {
			if s != nil {
				t.Fatalf("got a Service and an error")
			}
			checkFuzzError(t, err)
			return
		}
		if s.Hash == "" || s.Hash != s.ComputeHash() {
			t.Fatalf("bad Hash %q", s.Hash)
		}
		if len(s.ExecStart) == 0 || s.ExecStart[0] == "" {
			t.Fatalf("accepted ExecStart %q", s.ExecStart)
		}
		c := *s
		c.Environment = append([]string(nil), s.Environment...)
		if err := Validate(&c); err != nil {
			t.Fatalf("Parse accepted what Validate rejects: %v", err)
		}
		if !reflect.DeepEqual(&c, s) {
			t.Fatalf("Validate changed a parsed Service:\n%#v\n%#v", s, &c)
		}
		again, err := parse("fuzz", "fuzz.service", data, read)
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("parse is not deterministic: %v", err)
		}
	})
}

func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var list Errors
	if !errors.As(err, &list) {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		list = Errors{e}
	}
	if len(list) == 0 {
		t.Fatalf("empty Errors")
	}
	for _, e := range list {
		msg := e.Error()
		if e.Err == nil || e.File != "fuzz.service" || !strings.HasPrefix(msg, "fuzz.service") {
			t.Fatalf("malformed error %#v: %s", e, msg)
		}
		if strings.Contains(msg, "internal error") {
			t.Fatalf("%s", msg)
		}
	}
}

// checkValues checks the values ini.v1 gives each assignment against the
// documented syntax: the text after "=", joined with its continuation lines
// (comment lines among them skipped), trimmed.
func checkValues(t *testing.T, data []byte) {
	t.Helper()
	checkSchemaValues(t, data, serviceSchema)
}

// checkSchemaValues is checkValues for a file of the kind sc describes.
func checkSchemaValues(t *testing.T, data []byte, sc *schema) {
	t.Helper()
	res := scan(data, &errorList{}, sc)
	as := res.assignments
	if err := fillValues(as, res.clean); err != nil {
		t.Fatalf("fillValues: %v", err)
	}
	lines := strings.Split(strings.TrimPrefix(string(data), "\uFEFF"), "\n")
	for _, a := range as {
		_, v, _ := strings.Cut(lines[a.line-1], "=")
		want := strings.TrimSpace(v)
		for i := a.line; oddBackslashes(want); i++ {
			next := "" // the end of the file ends a continued value
			if i < len(lines) {
				next = strings.TrimSpace(lines[i])
			}
			if isComment(next) {
				continue // skipped, as in systemd
			}
			want = strings.TrimSpace(want[:len(want)-1] + " " + next)
			if next == "" || !oddBackslashes(next) {
				break
			}
		}
		if a.value != want || a.empty != (want == "") {
			t.Fatalf("line %d: value %q (empty %v), want %q", a.line, a.value, a.empty, want)
		}
	}
}

// oddBackslashes reports whether s ends with an odd number of
// backslashes: a continued line, as systemd reads it (the model of
// continued, written apart from it).
func oddBackslashes(s string) bool {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

// FuzzParseDaemon checks that parseDaemon never panics, that the scanner
// and ini.v1 agree, that errors name the file and never show a secret (the
// fuzzer cannot know which text is secret, so this checks the values of
// Secret= and of the secret file), and that the result is deterministic.
func FuzzParseDaemon(f *testing.F) {
	for _, s := range []string{
		"",
		"[Daemon]\nHTTPListen=:8080\nAllowEdit=yes\nSocketGroup=wheel\nHTTPTokenFile=/t\n",
		"[Daemon]\r\nHTTPListen=[::1]:0\r\n[Daemon]\n[Daemon \"x\"]\n",
		"[Webhook \"a\"]\nURL=http://h\nSecret=whsec_LEAKED\nSecret=\nSecretFile=/s\n",
		"[Webhook \"a\"]\nURL=http://h\nSecretFile=/s\nCAFile=/ca\nEvents=start,EXIT stop\nServices=a b,c\n",
		"[Webhook \"a\"]\nURL=http://h\n[Webhook \"a\"]\n[Webhook \"a.b\"]\nURL=https://x:1/y?z#w\n",
		"[Webhook]\n[Webhook \"\"]\n[Webhook x]\n[Webhook \"a\"b\"]\n[Webhook\t\"t\"]\n[ Webhook \"s\" ]\n",
		"[Webhook \"a\"]\nURL=`x`\nSecret=\"\"\"x\"\"\"\nTimeout=0\nRetries=-1\nDenyPrivate=2\n",
		"[Webhook \"a\"]\nURL=http://h \\\n/x\nSecret=a \\\n b\n",
		"[Service]\nExecStart=x\n[X-A]\nB=c\n[Webhook \"a\"]\nX-B=c\nURL=http://h\n",
		"URL=x\nLEAKED\n[Webhook \"a\"]\nwhsec_LEAKEDLEAKEDLEAKEDLEAKEDLEAKED=\n",
	} {
		f.Add([]byte(s))
	}
	read := fakeFiles(map[string]string{
		"/s":  "whsec_LEAKED1\nLEAKED2\n",
		"/ca": testCAPEM(f),
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSchemaValues(t, data, daemonSchema)
		// checkFuzzError wants errors to name "fuzz.service".
		d, err := parseDaemon("fuzz.service", data, read)
		if err != nil {
			if d != nil {
				t.Fatalf("got a Daemon and an error")
			}
			checkFuzzError(t, err)
			checkNoSecretShown(t, data, err)
			return
		}
		if d.Hash == "" || d.Hash != d.ComputeHash() {
			t.Fatalf("bad Hash %q", d.Hash)
		}
		names := make(map[string]bool)
		for _, w := range d.Webhooks {
			if names[w.Name] || ValidateName(w.Name) != nil || checkWebhookURL(w.URL) != nil ||
				w.Timeout <= 0 || w.Retries < 0 {
				t.Fatalf("accepted %v", w)
			}
			names[w.Name] = true
			if strings.Contains(fmt.Sprint(w), "LEAKED") {
				t.Fatalf("String shows a secret: %v", w)
			}
		}
		again, err := parseDaemon("fuzz.service", data, read)
		if err != nil || !reflect.DeepEqual(again, d) {
			t.Fatalf("parseDaemon is not deterministic: %v", err)
		}
	})
}

// checkNoSecretShown checks that err shows neither the secret file's
// content nor the value of a Secret= line of data.
func checkNoSecretShown(t *testing.T, data []byte, err error) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, "LEAKED1") || strings.Contains(msg, "LEAKED2") {
		t.Fatalf("shows the secret file: %s", msg)
	}
	for _, line := range strings.Split(string(data), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "Secret=")
		if v = strings.TrimSpace(v); ok && len(v) >= 8 && strings.Contains(msg, v) {
			t.Fatalf("shows the secret %q: %s", v, msg)
		}
	}
}
