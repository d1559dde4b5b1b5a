package config

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden .err files in testdata/bad")

// fakeFiles is a readFileFunc over an in-memory tree, with readFile's errors.
func fakeFiles(files map[string]string) readFileFunc {
	return func(path string) ([]byte, error) {
		data, ok := files[path]
		switch {
		case !ok:
			return nil, ioError(&fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist})
		case data == "<dir>":
			return nil, errors.New("not a regular file")
		}
		return []byte(data), nil
	}
}

// testFiles are the files EnvironmentFile= of the testdata services name.
func testFiles(t *testing.T) readFileFunc {
	t.Helper()
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	return fakeFiles(map[string]string{
		"/etc/supers/app.env": read("good/app.env"),
		"/etc/supers/bad.env": read("bad/bad.env"),
		"/etc/supers/dir":     "<dir>",
	})
}

// parseTestdata parses testdata/<dir>/<name>.service, naming it
// "<name>.service" in errors.
func parseTestdata(t *testing.T, dir, name string) (*Service, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", dir, name+".service"))
	if err != nil {
		t.Fatal(err)
	}
	return parse(name, name+".service", data, testFiles(t))
}

func TestParseGood(t *testing.T) {
	tests := []struct {
		name string
		want Service
	}{{
		name: "minimal",
		want: Service{
			ExecStart:      []string{"/bin/true"},
			IgnoreSIGPIPE:  true,
			AutoStart:      true,
			KillSignal:     "SIGTERM",
			TimeoutStopSec: 10 * time.Second,
			Restart: RestartPolicy{
				Mode:               RestartOnFailure,
				Delay:              100 * time.Millisecond,
				MaxDelay:           30 * time.Second,
				StableAfter:        10 * time.Second,
				StartLimitBurst:    10,
				StartLimitInterval: 10 * time.Minute,
			},
			Log: LogSpec{MaxSize: 50 << 20, MaxBackups: 5},
		},
	}, {
		name: "full",
		want: Service{
			Description:      "Example web app",
			ExecStart:        []string{"/usr/local/bin/app", "--listen", ":8080", "--name", "my app"},
			WorkingDirectory: "/srv/app",
			Environment: []string{
				"HOME=/srv/app", "QUOTED=single $quoted", "SPACED=a value with spaces",
				"PORT=8080", "GREETING=hello world", "DEBUG=1",
			},
			EnvironmentFiles: []string{"/etc/supers/app.env", "-/etc/supers/missing.env"},
			User:             "www-data",
			Group:            "1000",
			IgnoreSIGPIPE:    true,
			AutoStart:        false,
			KillSignal:       "SIGINT",
			TimeoutStopSec:   90 * time.Second,
			Restart: RestartPolicy{
				Mode:               RestartAlways,
				SuccessExitStatus:  ExitStatusSet{Codes: []int{75}, Signals: []string{"SIGUSR1", "SIGUSR2"}},
				PreventExitStatus:  ExitStatusSet{Codes: []int{9, 78}, Signals: []string{"SIGKILL"}},
				ForceExitStatus:    ExitStatusSet{Codes: []int{139}, Signals: []string{"SIGSEGV"}},
				Delay:              1500 * time.Millisecond,
				MaxDelay:           2 * time.Minute,
				StableAfter:        time.Hour,
				StartLimitBurst:    3,
				StartLimitInterval: 30 * time.Second,
				Cooldown:           15 * time.Minute,
			},
			Log: LogSpec{
				MaxSize:     1 << 30,
				MaxBackups:  0,
				MaxAge:      7 * 24 * time.Hour,
				Compress:    true,
				RotateEvery: time.Hour,
				Timestamps:  true,
			},
		},
	}, {
		name: "syntax",
		want: Service{
			Description: "Semicolons ; and hashes # stay in values",
			ExecStart: []string{"/bin/sh", "-c", `echo "$HOME"; exit 3`, "#", "not", "a", "comment",
				"--flag=1", "last"},
			Environment:    []string{"A=2", "B=x y", `C=a "quoted" word`, "D="},
			IgnoreSIGPIPE:  true,
			AutoStart:      true,
			KillSignal:     "SIGTERM",
			TimeoutStopSec: Infinity,
			Restart: RestartPolicy{
				Mode:              RestartOnAbnormal,
				SuccessExitStatus: ExitStatusSet{Codes: []int{1, 2}, Signals: []string{"SIGUSR2"}},
				Delay:             0,
				MaxDelay:          30 * time.Second,
				StableAfter:       10 * time.Second,
				StartLimitBurst:   10,
				// StartLimitInterval: infinity is a window that never
				// ends, as in systemd. Cooldown: infinity is stored as 0.
				StartLimitInterval: Infinity,
			},
			Log: LogSpec{MaxSize: 1 << 20, MaxBackups: 5, MaxAge: 90 * time.Minute},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTestdata(t, "good", tt.name)
			if err != nil {
				t.Fatalf("unexpected error:\n%v", err)
			}
			tt.want.Name, tt.want.File = tt.name, tt.name+".service"
			tt.want.Hash = tt.want.ComputeHash()
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", *got, tt.want)
			}
		})
	}
}

// TestParseBad checks the exact error text of each testdata/bad/*.service
// against the golden NAME.err next to it (go test -update rewrites them).
func TestParseBad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.service"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad service files: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".service")
		t.Run(name, func(t *testing.T) {
			s, err := parseTestdata(t, "bad", name)
			if err == nil {
				t.Fatalf("no error; parsed %#v", s)
			}
			if s != nil {
				t.Errorf("got a Service along with the error")
			}
			golden := strings.TrimSuffix(f, ".service") + ".err"
			got := err.Error() + "\n"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, rerr := os.ReadFile(golden)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestParseInline checks one problem at a time, with its exact text.
func TestParseInline(t *testing.T) {
	const svc = "[Service]\nExecStart=/bin/true\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty file", "", "t.service: [Service] ExecStart: required key is missing"},
		{"only comments", "# hi\n; there\n", "t.service: [Service] ExecStart: required key is missing"},
		{"duplicate ExecStart", svc + "ExecStart=/bin/false\n",
			"t.service:3: [Service] ExecStart: duplicate key (first set on line 2)"},
		{"empty ExecStart", "[Service]\nExecStart=\n",
			`t.service:2: [Service] ExecStart: invalid value "": must not be empty`},
		{"ExecStart of an empty word", "[Service]\nExecStart=''\n",
			`t.service:2: [Service] ExecStart: invalid value "''": empty program name`},
		{"ExecStart prefix", "[Service]\nExecStart=@/bin/true x\n",
			`t.service:2: [Service] ExecStart: invalid value "@/bin/true x": program name starts with "@": systemd's ExecStart= prefixes (- @ + ! :) are not supported`},
		{"NUL byte", svc + "User=a\x00b\n",
			`t.service:3: [Service] User: invalid value "a\x00b": contains a NUL byte`},
		{"Environment bad name", svc + "Environment=1A=x\n",
			`t.service:3: [Service] Environment: invalid value: word 1: invalid variable name "1A" (want [A-Za-z_][A-Za-z0-9_]*)`},
		{"Environment quote", svc + "Environment='A=1\n",
			`t.service:3: [Service] Environment: invalid value: unterminated single quote`},
		{"KillSignal number", svc + "KillSignal=99\n",
			`t.service:3: [Service] KillSignal: invalid value "99": unknown signal number 99`},
		{"KillSignal SIGSTOP", svc + "KillSignal=stop\n",
			`t.service:3: [Service] KillSignal: invalid value "stop": SIGSTOP suspends a process, it does not end it (SIGKILL follows TimeoutStopSec= anyway)`},
		{"KillSignal SIGTSTP", svc + "KillSignal=SIGTSTP\n",
			`t.service:3: [Service] KillSignal: invalid value "SIGTSTP": SIGTSTP suspends a process, it does not end it (SIGKILL follows TimeoutStopSec= anyway)`},
		{"KillSignal SIGCONT", svc + "KillSignal=CONT\n",
			`t.service:3: [Service] KillSignal: invalid value "CONT": SIGCONT does not end a process (it resumes one): every stop would wait TimeoutStopSec= for the SIGKILL`},
		{"KillSignal SIGCHLD", svc + "KillSignal=17\n",
			`t.service:3: [Service] KillSignal: invalid value "17": SIGCHLD does not end a process (it is ignored unless handled, and means a child changed state): every stop would wait TimeoutStopSec= for the SIGKILL`},
		{"KillSignal SIGURG", svc + "KillSignal=URG\n",
			`t.service:3: [Service] KillSignal: invalid value "URG": SIGURG does not end a process (it is ignored unless handled, and means urgent data on a socket): every stop would wait TimeoutStopSec= for the SIGKILL`},
		{"TimeoutStopSec garbage", svc + "TimeoutStopSec=soon\n",
			`t.service:3: [Service] TimeoutStopSec: invalid value "soon": expected a number at "soon"`},
		{"MaxSize zero", svc + "[Log]\nMaxSize=0\n",
			`t.service:4: [Log] MaxSize: invalid value "0": must be positive`},
		{"MaxSize unit", svc + "[Log]\nMaxSize=12x\n",
			`t.service:4: [Log] MaxSize: invalid value "12x": unknown size unit "x" (use K, M, G or T)`},
		{"MaxSize overflow", svc + "[Log]\nMaxSize=99999999999T\n",
			`t.service:4: [Log] MaxSize: invalid value "99999999999T": size out of range`},
		{"MaxBackups negative", svc + "[Log]\nMaxBackups=-1\n",
			`t.service:4: [Log] MaxBackups: invalid value "-1": expected a whole number ≥ 0`},
		{"MaxBackups overflow", svc + "[Log]\nMaxBackups=99999999999999999999\n",
			`t.service:4: [Log] MaxBackups: invalid value "99999999999999999999": number out of range`},
		{"MaxAge overflow", svc + "[Log]\nMaxAge=300y\n",
			`t.service:4: [Log] MaxAge: invalid value "300y": duration out of range`},
		{"RotateEvery garbage", svc + "[Log]\nRotateEvery=1.2.3\n",
			`t.service:4: [Log] RotateEvery: invalid value "1.2.3": unexpected ".3" after a number`},
		// Seconds elsewhere, but days or hours to a user of lumberjack or
		// logrotate here: MaxAge=7 deleted the files 7 seconds old.
		{"MaxAge bare number", svc + "[Log]\nMaxAge=7\n",
			`t.service:4: [Log] MaxAge: invalid value "7": needs a unit, like 7d, 12h, 30min or 10s: a number without one would be seconds here`},
		{"RotateEvery bare number", svc + "[Log]\nRotateEvery= 24 \n",
			`t.service:4: [Log] RotateEvery: invalid value "24": needs a unit, like 7d, 12h, 30min or 10s: a number without one would be seconds here`},
		// Nor with a decimal point, or beside a span with a unit.
		{"MaxAge decimal", svc + "[Log]\nMaxAge=7.0\n",
			`t.service:4: [Log] MaxAge: invalid value "7.0": needs a unit, like 7d, 12h, 30min or 10s: a number without one would be seconds here`},
		{"RotateEvery part without a unit", svc + "[Log]\nRotateEvery=1d 7\n",
			`t.service:4: [Log] RotateEvery: invalid value "1d 7": needs a unit, like 7d, 12h, 30min or 10s: a number without one would be seconds here`},
		{"key line numbers after continuation", svc + "Description=a \\\n b \\\n\nUser=\n",
			"t.service:3: [Service] Description: unknown key (it belongs in [Unit])\n" +
				`t.service:6: [Service] User: invalid value "": must not be empty`},
		{"continuation stops at a header", svc + "User=a \\\n[Log]\nMaxBackups=1\n",
			`t.service:3: [Service] User: syntax error: the value ends with a backslash, which would continue it on line 4, but that line is a section header: remove the backslash (or quote what the value goes on with)`},
		{"empty continued value", svc + "User=\\\n\\\n\n",
			`t.service:3: [Service] User: invalid value "": must not be empty`},
		{"repeated empty values keep their lines", svc + "Environment=\nEnvironment=A=1\nEnvironment=\nEnvironment=1=2\n",
			"t.service:3: [Service] Environment: invalid value: must not be empty\n" +
				"t.service:5: [Service] Environment: invalid value: must not be empty\n" +
				`t.service:6: [Service] Environment: invalid value: word 1: invalid variable name "1" (want [A-Za-z_][A-Za-z0-9_]*)`},
		{"long value is shortened", svc + "User=" + strings.Repeat("é", 50) + "\n",
			`t.service:3: [Service] User: invalid value "` + strings.Repeat("é", 40) + `"...: not a valid user or group name or numeric ID`},
		{"key case", "[Service]\nexecStart=/bin/true\n",
			"t.service:2: [Service] execStart: unknown key (did you mean ExecStart?)\n" +
				"t.service: [Service] ExecStart: required key is missing"},
		{"key near another section's key", svc + "Compres=yes\n",
			`t.service:3: [Service] Compres: unknown key (did you mean Compress in [Log]?)`},
		{"section case", "[service]\nExecStart=/bin/true\n",
			"t.service:1: [service]: unknown section (did you mean [Service]?)\n" +
				"t.service: [Service] ExecStart: required key is missing"},
		{"DEFAULT section", "[DEFAULT]\n" + svc,
			"t.service:1: [DEFAULT]: unknown section"},
		{"key outside section", "ExecStart=/bin/true\n",
			"t.service:1: ExecStart: syntax error: key outside of any section (it belongs in [Service])\n" +
				"t.service: [Service] ExecStart: required key is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parse("t", "t.service", []byte(tt.in), fakeFiles(nil))
			if err == nil {
				t.Fatalf("no error; parsed %#v", s)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestParseSyntaxVariants checks that spelling variants of the same file
// parse to the same Service.
func TestParseSyntaxVariants(t *testing.T) {
	const base = "[Unit]\nDescription=d\n[Service]\nExecStart=/bin/a b\n"
	want, err := Parse("v", "v.service", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	variants := map[string]string{
		"CRLF":             strings.ReplaceAll(base, "\n", "\r\n"),
		"BOM":              "\uFEFF" + base,
		"no final newline": strings.TrimSuffix(base, "\n"),
		"spaces":           "  [Unit]  \n\tDescription =\td  \n[Service]\n  ExecStart   =   /bin/a    b   \n",
		"continued":        "[Unit]\nDescription=d\n[Service]\nExecStart=/bin/a \\\n b\n",
		"sections merged":  "[Service]\nExecStart=/bin/a b\n[Unit]\n[Service]\n[Unit]\nDescription=d\n",
		"comments":         "# c\n[Unit]\n; c\nDescription=d\n\n\n[Service]\n   # ExecStart=/bin/other\nExecStart=/bin/a b\n",
		"extensions":       "[X-A]\nExecStart=/x\n" + base + "X-Y=1\n",
		// As systemd does: an X- section's lines need not be Key=value,
		// nor an X- key's name one of ours.
		"extension notes": "[X-Notes]\nOwned by the payments team\nsee.also=https://wiki\n" + base + "X-Bad.Key=1\n",
	}
	for name, in := range variants {
		t.Run(name, func(t *testing.T) {
			got, err := Parse("v", "v.service", []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %#v\nwant %#v", got, want)
			}
		})
	}
}

// TestExtensionSectionEndsAtABadHeader checks that a malformed section
// header ends an X- section: what follows is checked again.
func TestExtensionSectionEndsAtABadHeader(t *testing.T) {
	in := "[Service]\nExecStart=/bin/a\n[X-Notes]\nnotes\n[Bad\nno equals sign\n"
	_, err := Parse("v", "v.service", []byte(in))
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 || es[0].Line != 5 || es[1].Line != 6 || !errors.Is(es[1], ErrSyntax) {
		t.Fatalf("got %v, want errors on lines 5 and 6", err)
	}
}

func TestErrorsUnwrap(t *testing.T) {
	in := "[Servce]\n[Service]\nExecStart=/bin/true\nFoo=1\nExecStart=/bin/true\nUser=\nx\n[Unit]\n"
	_, err := Parse("bad name!", "b.service", []byte(in))
	var es Errors
	if !errors.As(err, &es) || len(es) != 6 {
		t.Fatalf("want 6 Errors, got %T %v", err, err)
	}
	for _, sentinel := range []error{ErrUnknownSection, ErrUnknownKey, ErrDuplicateKey, ErrInvalidValue, ErrSyntax, ErrInvalidName} {
		if !errors.Is(err, sentinel) {
			t.Errorf("errors.Is(err, %v) = false", sentinel)
		}
	}
	if errors.Is(err, ErrMissingKey) {
		t.Errorf("errors.Is(err, ErrMissingKey) = true")
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 || e.Section != "Servce" || e.File != "b.service" {
		t.Errorf("errors.As(*Error) = %#v", e)
	}
	if got := es[3]; got.Line != 6 || got.Key != "User" || !errors.Is(got, ErrInvalidValue) {
		t.Errorf("es[3] = %#v", got)
	}

	_, err = Parse("ok", "ok.service", []byte("[Unit]\n"))
	if !errors.As(err, &e) || !errors.Is(err, ErrMissingKey) || errors.As(err, &es) {
		t.Errorf("a single problem should be an *Error, got %T %v", err, err)
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "f", Line: 3, Section: "S", Key: "K", Err: ErrUnknownKey}, "f:3: [S] K: unknown key"},
		{Error{File: "f", Section: "S", Err: ErrUnknownSection}, "f: [S]: unknown section"},
		{Error{Line: 2, Key: "K", Err: ErrSyntax}, "line 2: K: syntax error"},
		{Error{}, "invalid configuration"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestEnvironmentFileOnDisk(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := write("a.env", "A=1\r\nexport B = \"two words\"\n#C=3\nexported=x\n")
	big := write("big.env", "A="+strings.Repeat("x", MaxFileSize)+"\n")
	missing := filepath.Join(dir, "missing.env")
	svc := "[Service]\nExecStart=/bin/true\nEnvironment=B=0 D=4\n"

	s, err := Parse("e", "e.service", []byte(svc+"EnvironmentFile="+env+"\nEnvironmentFile=-"+missing+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A=1", "exported=x", "B=0", "D=4"}; !reflect.DeepEqual(s.Environment, want) {
		t.Errorf("Environment = %q, want %q", s.Environment, want)
	}

	tests := []struct{ value, want string }{
		{missing, "e.service:4: [Service] EnvironmentFile: " + missing + ": cannot read: no such file or directory"},
		{dir, "e.service:4: [Service] EnvironmentFile: " + dir + ": not a regular file"},
		{big, "e.service:4: [Service] EnvironmentFile: " + big + ": larger than 1048576 bytes"},
		{"a.env", `e.service:4: [Service] EnvironmentFile: invalid value "a.env": must be an absolute path`},
	}
	for _, tt := range tests {
		_, err := Parse("e", "e.service", []byte(svc+"EnvironmentFile="+tt.value+"\n"))
		if err == nil || err.Error() != tt.want {
			t.Errorf("EnvironmentFile=%s:\ngot  %v\nwant %s", tt.value, err, tt.want)
		}
	}
	_, err = Parse("e", "e.service", []byte(svc+"EnvironmentFile="+missing+"\n"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

func TestParseEnvFile(t *testing.T) {
	good := "\uFEFF# c\n; c\n\nexport A=1\nB = x y \nC=\"q \\\"w\\\"\"\nD='$x'\nE=\nexport\tF=f\n"
	got, err := parseEnvFile("f", []byte(good))
	want := []string{"A=1", "B=x y", `C=q "w"`, "D=$x", "E=", "F=f"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	bad := map[string]string{
		"A=1\nnoequals\n":    `f:2: missing "=" (want KEY=VALUE)`,
		"A-B=1\n":            `f:1: invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)`,
		"A=\"x\" y\n":        "f:1: unexpected text after the quoted value",
		"A='x\n":             "f:1: unterminated single quote",
		"export =1\n":        `f:1: invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)`,
		"A=x\x00y\n":         "f:1: value contains a NUL byte",
		"\n\nexport A B=1\n": `f:3: invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)`,
		// Never the content: an env file often holds secrets, and superd
		// reads it as root for a service that may not.
		"root:$6$secret:19000:0:99999:7:::\n": `f:1: missing "=" (want KEY=VALUE)`,
		"pass word=$6$secret\n":               `f:1: invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)`,
		// Nor a variable's name, which can be a secret of its own.
		"API_TOKEN_sk_live_51HxYz=\"unterminated\n": "f:1: unterminated double quote",
	}
	for in, want := range bad {
		if _, err := parseEnvFile("f", []byte(in)); err == nil || err.Error() != want {
			t.Errorf("parseEnvFile(%q) = %v, want %s", in, err, want)
		}
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "web@1.service")
	if err := os.WriteFile(p, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseFile(p)
	if err != nil || s.Name != "web@1" || s.File != p {
		t.Fatalf("ParseFile = %+v, %v", s, err)
	}

	tests := []struct{ path, want string }{
		{filepath.Join(dir, "web.conf"), dir + "/web.conf: invalid service name: file name \"web.conf\" does not end in .service"},
		{filepath.Join(dir, "nope.service"), dir + "/nope.service: cannot read: no such file or directory"},
		{filepath.Join(dir, "-x.service"), dir + `/-x.service: invalid service name "-x": must start with an ASCII letter or digit`},
	}
	for _, tt := range tests {
		if strings.HasSuffix(tt.path, "-x.service") {
			if err := os.WriteFile(tt.path, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ParseFile(tt.path); err == nil || err.Error() != tt.want {
			t.Errorf("ParseFile(%s):\ngot  %v\nwant %s", tt.path, err, tt.want)
		}
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"b.service":          "[Service]\nExecStart=/bin/b\n",
		"a.service":          "[Service]\nExecStart=/bin/a\n",
		"broken.service":     "[Service]\nExecStrat=/bin/x\n",
		"c.service":          "[Service]\nExecStart=/bin/c\n",
		".hidden.service":    "garbage",
		"notes.txt":          "garbage",
		"d.service.bak":      "garbage",
		"logs/x.service":     "garbage",
		".git/y.service":     "garbage",
		"sub.service/z.conf": "garbage",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "logs"), filepath.Join(dir, "link.service")); err != nil {
		t.Fatal(err)
	}

	services, errs := LoadDir(dir)
	var names []string
	for _, s := range services {
		names = append(names, s.Name)
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(names, want) {
		t.Errorf("services = %q, want %q", names, want)
	}
	var texts []string
	for _, err := range errs {
		texts = append(texts, err.Error())
	}
	want := []string{
		dir + "/broken.service:2: [Service] ExecStrat: unknown key (did you mean ExecStart?)\n" +
			dir + "/broken.service: [Service] ExecStart: required key is missing",
		dir + "/link.service: not a regular file",
		// A directory in place of a file must not read as a removed
		// service: the reload would stop it and say nothing.
		dir + "/sub.service: not a regular file",
	}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("errors:\n%q\nwant:\n%q", texts, want)
	}

	services, errs = LoadDir(filepath.Join(dir, "missing"))
	if len(services) != 0 || len(errs) != 1 || !errors.Is(errs[0], fs.ErrNotExist) {
		t.Errorf("missing dir: got %v, %v", services, errs)
	}
}

func TestParseLimits(t *testing.T) {
	const svc = "[Service]\nExecStart=/bin/true\n"
	long := svc + "[Unit]\nDescription=" + strings.Repeat("x", maxValueLen+1) + "\n"
	_, err := Parse("l", "l.service", []byte(long))
	if want := "l.service:4: [Unit] Description: invalid value: longer than 65536 bytes"; err == nil || err.Error() != want {
		t.Errorf("long value: got %v, want %s", err, want)
	}
	// A value over many lines (ini.v1 joins them in quadratic time): the
	// lines after the limit must not be read as assignments of their own.
	// (Lines that set a known key end the value: see
	// TestContinuationIntoAssignment.)
	many := svc + "[Unit]\nDescription=a \\\n" + strings.Repeat("Foo=x \\\n", maxValueLines) + "end\nDescription=b\n"
	_, err = Parse("l", "l.service", []byte(many))
	if want := "l.service:4: [Unit] Description: invalid value: continued over more than 256 lines"; err == nil || err.Error() != want {
		t.Errorf("many lines: got %v, want %s", err, want)
	}
	fits := svc + "[Unit]\nDescription=a \\\n" + strings.Repeat("b \\\n", maxValueLines-2) + "c\n"
	if s, err := Parse("l", "l.service", []byte(fits)); err != nil || s.Description != "a  "+strings.Repeat("b  ", maxValueLines-2)+"c" {
		t.Errorf("value of %d lines: %v", maxValueLines, err)
	}

	// Large inputs stay fast: every value at its limits.
	value := `"A=` + strings.Repeat(strings.Repeat("x", maxValueLen/maxValueLines-4)+" \\\n", maxValueLines-1) + "x\"\n"
	big := svc + strings.Repeat("Environment="+value, 20)
	if _, err := Parse("l", "l.service", []byte(big)); err != nil {
		t.Errorf("big input: %v", err)
	}

	bad := strings.Repeat("Foo=1\n", 1000)
	_, err = Parse("l", "l.service", []byte(bad))
	var es Errors
	if !errors.As(err, &es) || len(es) != maxErrors+1 {
		t.Fatalf("want %d errors, got %v", maxErrors+1, err)
	}
	if got, want := es[maxErrors].Error(), "l.service: too many errors (only the first 50 are shown)"; got != want {
		t.Errorf("last error = %q, want %q", got, want)
	}
	if es[maxErrors-1].Line != maxErrors {
		t.Errorf("error %d is on line %d", maxErrors, es[maxErrors-1].Line)
	}
}

func TestTimeoutStopSecZeroIsInfinity(t *testing.T) {
	for _, v := range []string{"0", "0s", "infinity"} {
		s, err := Parse("z", "z.service", []byte("[Service]\nExecStart=/bin/true\nTimeoutStopSec="+v+"\n"))
		if err != nil || s.TimeoutStopSec != Infinity {
			t.Errorf("TimeoutStopSec=%s: %v, %v", v, s, err)
		}
	}
}

// 0 needs no unit in MaxAge= and RotateEvery= (off), nor does a span.
func TestLogSpansZeroAndUnits(t *testing.T) {
	s, err := Parse("t", "t.service", []byte("[Service]\nExecStart=/bin/true\n[Log]\nMaxAge=0\nRotateEvery=00\n"))
	if err != nil || s.Log.MaxAge != 0 || s.Log.RotateEvery != 0 {
		t.Errorf("0: %+v, %v", s, err)
	}
	s, err = Parse("t", "t.service", []byte("[Service]\nExecStart=/bin/true\n[Log]\nMaxAge=7 d\nRotateEvery=1h 30min\n"))
	if err != nil || s.Log.MaxAge != 7*24*time.Hour || s.Log.RotateEvery != 90*time.Minute {
		t.Errorf("units: %+v, %v", s, err)
	}
}

// A ".." in WorkingDirectory= is refused, as systemd refuses it: the path
// was cleaned as text (/srv/link/../data became /srv/data), while chdir
// takes ".." from where a symlink before it leads.
func TestWorkingDirectoryDotDotRefused(t *testing.T) {
	for _, wd := range []string{"/srv/link/../data", "/srv/..", "/../srv"} {
		_, err := Parse("t", "t.service", []byte("[Service]\nExecStart=/bin/true\nWorkingDirectory="+wd+"\n"))
		if err == nil || !strings.Contains(err.Error(), `t.service:3: [Service] WorkingDirectory: invalid value`) || !strings.Contains(err.Error(), `".." component`) {
			t.Errorf("WorkingDirectory=%s: %v, want it refused for its \"..\"", wd, err)
		}
	}
	for _, wd := range []string{"/srv/app..", "/srv/..app", "/srv//app/./"} {
		if _, err := Parse("t", "t.service", []byte("[Service]\nExecStart=/bin/true\nWorkingDirectory="+wd+"\n")); err != nil {
			t.Errorf("WorkingDirectory=%s: %v", wd, err)
		}
	}
}

// A Service built in Go (the library) is held to the same rule by
// Validate, which cleaned the ".." as text.
func TestValidateWorkingDirectoryDotDot(t *testing.T) {
	s := New("t", "/bin/true")
	s.WorkingDirectory = "/srv/link/../data"
	if err := Validate(s); err == nil || !strings.Contains(err.Error(), `".." component`) {
		t.Errorf("Validate: %v, want the \"..\" refused", err)
	}
}

// EnvironmentFile= is read as systemd reads it: backslashes outside quotes
// escape the next character and join lines, quoted values span lines, and
// a double-quoted backslash escapes only " \ ` $ and a line end. They were
// taken literally (PASS=a\$b got a backslash systemd drops), and a PEM key
// in quotes, or a line joined by a backslash, failed the whole file.
func TestParseEnvFileAsSystemd(t *testing.T) {
	in := "PASS=a\\$b\\\\c\n" +
		"JOINED=one \\\n  two\n" +
		"PEM=\"-----BEGIN X-----\nabc\n-----END X-----\"\n" +
		"SQ='a\\nb $x'\n" +
		"DQ=\"a\\nb \\$x \\\"q\\\" \\`c\\` \\\\ end\\\nnext\"\n" +
		"ADJ=\"x\"'y'z\n" +
		"TRAIL=  v w  \n" +
		"ESC_BLANK=v\\ \n" +
		"QUOTE_IN=x\"y\"\n" +
		"CRLF=1\r\n" +
		"  # indented comment\n" +
		"LAST=end"
	got, err := parseEnvFile("f", []byte(in))
	want := []string{"PASS=a$b\\c", "JOINED=one   two", "PEM=-----BEGIN X-----\nabc\n-----END X-----", "SQ=a\\nb $x",
		"DQ=a\\nb $x \"q\" `c` \\ endnext", "ADJ=xyz", "TRAIL=v w", "ESC_BLANK=v ", "QUOTE_IN=x\"y\"", "CRLF=1", "LAST=end"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v\nwant %q", got, err, want)
	}
	// An error names the line where the assignment began.
	bad := map[string]string{
		"A=1\nB=\"x\ny\nz\n":      "f:2: unterminated double quote",
		"A=1\\\nx\nno equals\n":   `f:3: missing "=" (want KEY=VALUE)`,
		"A=\"x\" \"y\"\n":         "f:1: unexpected text after the quoted value",
		"A=1\nB='x\n\n":           "f:2: unterminated single quote",
		"A=1\nB=\"x\\\n":          "f:2: unterminated double quote",
		"A=1\nB\n":                `f:2: missing "=" (want KEY=VALUE)`,
		"A=1\n  bad name = 2\n":   `f:2: invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)`,
		"A=1\n=foo\n":             `f:2: invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)`,
		"A=\"a\x00b\"\n":          "f:1: value contains a NUL byte",
		"A=1\n\nB=ok\nC=\"\n\n\n": "f:4: unterminated double quote",
	}
	for in, want := range bad {
		if _, err := parseEnvFile("f", []byte(in)); err == nil || err.Error() != want {
			t.Errorf("parseEnvFile(%q) = %v, want %s", in, err, want)
		}
	}
}
