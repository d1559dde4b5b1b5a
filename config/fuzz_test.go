package config

import (
	"errors"
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
// documented syntax: the text after "=", joined with its continuation lines,
// trimmed.
func checkValues(t *testing.T, data []byte) {
	t.Helper()
	as, clean := scan(data, &errorList{})
	if err := fillValues(as, clean); err != nil {
		t.Fatalf("fillValues: %v", err)
	}
	lines := strings.Split(strings.TrimPrefix(string(data), "\uFEFF"), "\n")
	for _, a := range as {
		_, v, _ := strings.Cut(lines[a.line-1], "=")
		want := strings.TrimSpace(v)
		for i := a.line; strings.HasSuffix(want, `\`); i++ {
			next := "" // the end of the file ends a continued value
			if i < len(lines) {
				next = strings.TrimSpace(lines[i])
			}
			want = strings.TrimSpace(want[:len(want)-1] + next)
			if next == "" || !strings.HasSuffix(next, `\`) {
				break
			}
		}
		if a.value != want || a.empty != (want == "") {
			t.Fatalf("line %d: value %q (empty %v), want %q", a.line, a.value, a.empty, want)
		}
	}
}
