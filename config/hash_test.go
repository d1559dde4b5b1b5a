package config

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, in string) *Service {
	t.Helper()
	s, err := Parse("h", "h.service", []byte(in))
	if err != nil {
		t.Fatalf("Parse:\n%s\n%v", in, err)
	}
	return s
}

func TestHashIgnoresFormatting(t *testing.T) {
	a := mustParse(t, `[Unit]
Description=web
[Service]
ExecStart=/bin/app -x "a b"
Environment=A=1 B=2
Environment=C=3
KillSignal=SIGINT
TimeoutStopSec=90
WorkingDirectory=/srv/app
Restart=always
SuccessExitStatus=1 SIGUSR1
RestartSec=90
StartLimitIntervalSec=0
[Log]
MaxSize=50M
`)
	b := mustParse(t, `# the same, written differently
[Log]
MaxSize = 52428800
[Service]
Environment=C=3
Environment=B=2 A=0
Environment=A=1
WorkingDirectory = /srv//app/
TimeoutStopSec=1min 30s
KillSignal=int
ExecStart=/bin/app \
  -x 'a b'
SuccessExitStatus=usr1
SuccessExitStatus=001 1
Restart=Always
RestartSec=1min 30s
RestartMaxDelaySec=90s
StartLimitIntervalSec=0s
[Unit]
Description=web
`)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a.Hash) {
		t.Fatalf("Hash = %q, want 64 hex digits", a.Hash)
	}
	if a.Hash != b.Hash {
		t.Errorf("equivalent files hash differently:\n%#v\n%#v", a, b)
	}
	if a.Hash != a.ComputeHash() {
		t.Errorf("Hash is not ComputeHash()")
	}
	a.File = "elsewhere.service"
	if a.Hash != a.ComputeHash() {
		t.Errorf("File changes the hash")
	}
}

func TestHashSeesEveryChange(t *testing.T) {
	const base = "[Service]\nExecStart=/bin/app a b\n"
	seen := map[string]string{}
	for _, in := range []string{
		base,
		"[Service]\nExecStart=/bin/app 'a b'\n",
		"[Service]\nExecStart=/bin/app ab\n",
		"[Service]\nExecStart=/bin/app a b ''\n",
		base + "Environment=A=1\n",
		base + "Environment=A=2\n",
		base + "Environment=A=1 B=1\n",
		base + "Environment=A=\n",
		base + "WorkingDirectory=/\n",
		base + "User=a\n",
		base + "Group=a\n",
		base + "AutoStart=no\n",
		base + "KillSignal=INT\n",
		base + "TimeoutStopSec=11\n",
		base + "TimeoutStopSec=infinity\n",
		base + "[Unit]\nDescription=x\n",
		base + "[Log]\nMaxSize=1M\n",
		base + "[Log]\nMaxBackups=0\n",
		base + "[Log]\nMaxAge=1s\n",
		base + "[Log]\nCompress=yes\n",
		base + "[Log]\nRotateEvery=1h\n",
		base + "[Log]\nTimestamps=yes\n",
		base + "Restart=always\n",
		base + "Restart=no\n",
		base + "SuccessExitStatus=1\n",
		base + "SuccessExitStatus=2\n",
		base + "SuccessExitStatus=1 2\n",
		base + "SuccessExitStatus=SIGUSR1\n",
		base + "RestartPreventExitStatus=1\n",
		base + "RestartForceExitStatus=1\n",
		base + "RestartForceExitStatus=SIGUSR1\n",
		base + "RestartSec=0\n",
		base + "RestartSec=1m\n", // MaxDelay becomes 1m too
		base + "RestartSec=1m\nRestartMaxDelaySec=2m\n",
		base + "RestartMaxDelaySec=1m\n",
		base + "StableSec=0\n",
		base + "StartLimitBurst=1\n",
		base + "StartLimitIntervalSec=0\n",
		base + "StartLimitIntervalSec=1h\n",
		base + "RestartCooldownSec=1h\n",
	} {
		h := mustParse(t, in).Hash
		if prev, dup := seen[h]; dup {
			t.Errorf("same hash for\n%s\nand\n%s", prev, in)
		}
		seen[h] = in
	}
	other, err := Parse("other", "h.service", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if _, dup := seen[other.Hash]; dup {
		t.Errorf("the name does not change the hash")
	}
}

// TestHashCoversAllFields guards against a field added to Service but not
// to ComputeHash: changing any field but File, EnvironmentFiles and Hash
// must change the hash.
func TestHashCoversAllFields(t *testing.T) {
	base := New("x", "/bin/true")
	want := base.Hash
	var seen []string // the fields changed
	var visit func(v reflect.Value, path string)
	visit = func(v reflect.Value, path string) {
		for i := 0; i < v.NumField(); i++ {
			f, name := v.Field(i), path+v.Type().Field(i).Name
			if f.Kind() == reflect.Struct {
				visit(f, name+".")
				continue
			}
			old := reflect.New(f.Type()).Elem()
			old.Set(f)
			switch f.Kind() {
			case reflect.String:
				f.SetString(f.String() + "x")
			case reflect.Bool:
				f.SetBool(!f.Bool())
			case reflect.Int, reflect.Int64:
				f.SetInt(f.Int() + 1)
			case reflect.Pointer: // nil, then a value: both must count
				if !f.IsNil() {
					t.Fatalf("field %s: not nil in New's Service", name)
				}
				f.Set(reflect.New(f.Type().Elem()))
				if base.ComputeHash() == want {
					t.Errorf("field %s: set to a zero value, the hash did not change", name)
				}
				f.Elem().SetUint(0o22)
			case reflect.Slice:
				switch f.Type().Elem().Kind() {
				case reflect.String:
					f.Set(reflect.Append(f, reflect.ValueOf("Y=1")))
				case reflect.Int:
					f.Set(reflect.Append(f, reflect.ValueOf(7)))
				default:
					t.Fatalf("field %s: slice of %s not handled by this test", name, f.Type().Elem())
				}
			default:
				t.Fatalf("field %s: kind %s not handled by this test", name, f.Kind())
			}
			changed := base.ComputeHash() != want
			f.Set(old)
			if ignored := name == "File" || name == "Hash" || name == "EnvironmentFiles"; changed == ignored {
				t.Errorf("field %s: hash changed = %v", name, changed)
			}
			seen = append(seen, name)
		}
	}
	visit(reflect.ValueOf(base).Elem(), "")
	// The walk must reach the nested fields, not just the structs.
	for _, name := range []string{"Restart.Mode", "Restart.SuccessExitStatus.Codes",
		"Restart.ForceExitStatus.Signals", "Restart.Cooldown", "Log.RotateEvery"} {
		if !slices.Contains(seen, name) {
			t.Errorf("field %s not visited; visited %q", name, seen)
		}
	}
}

// TestHashExitStatusIsASet checks that the order and repetition of exit
// statuses do not matter, while the list they are in does.
func TestHashExitStatusIsASet(t *testing.T) {
	const base = "[Service]\nExecStart=/bin/app\n"
	a := mustParse(t, base+"SuccessExitStatus=3 SIGUSR1 1\n")
	b := mustParse(t, base+"SuccessExitStatus=usr1 1\nSuccessExitStatus=3 1 SIGUSR1\n")
	if a.Hash != b.Hash {
		t.Errorf("same statuses hash differently:\n%#v\n%#v", a.Restart, b.Restart)
	}
	c := mustParse(t, base+"RestartPreventExitStatus=3 SIGUSR1 1\n")
	if a.Hash == c.Hash {
		t.Errorf("SuccessExitStatus and RestartPreventExitStatus hash the same")
	}
	// A Service built in Go hashes its lists as sets too.
	g := New("h", "/bin/app")
	g.Restart.SuccessExitStatus = ExitStatusSet{Codes: []int{3, 1, 3}, Signals: []string{"SIGUSR1"}}
	g.File = "h.service"
	if g.ComputeHash() != a.Hash {
		t.Errorf("unsorted Go-built lists hash differently")
	}
}

func TestNew(t *testing.T) {
	argv := []string{"/bin/app", "-x"}
	s := New("app", argv...)
	argv[0] = "changed"
	want := &Service{
		Name:           "app",
		ExecStart:      []string{"/bin/app", "-x"},
		IgnoreSIGPIPE:  true,
		AutoStart:      true,
		KillSignal:     "SIGTERM",
		TimeoutStopSec: 10 * time.Second,
		Restart:        DefaultRestartPolicy(),
		Log:            LogSpec{MaxSize: 50 << 20, MaxBackups: 5},
	}
	want.Hash = want.ComputeHash()
	if !reflect.DeepEqual(s, want) {
		t.Errorf("New = %#v\nwant %#v", s, want)
	}
	parsed := mustParse(t, "[Service]\nExecStart=/bin/app -x\n")
	parsed.Name, parsed.File, parsed.Environment = "app", "", nil
	if parsed.ComputeHash() != s.Hash {
		t.Errorf("New and Parse of the same service hash differently")
	}
	if err := Validate(s); err != nil || s.Hash != want.Hash {
		t.Errorf("Validate(New(...)) = %v, hash %s", err, s.Hash)
	}
}

func TestValidateFillsAndNormalises(t *testing.T) {
	s := &Service{
		Name:             "go",
		ExecStart:        []string{"app"},
		WorkingDirectory: "/srv/./app/",
		Environment:      []string{"A=1", "B=2", "A=3"},
		KillSignal:       "hup",
	}
	if err := Validate(s); err != nil {
		t.Fatal(err)
	}
	want := &Service{
		Name:             "go",
		ExecStart:        []string{"app"},
		WorkingDirectory: "/srv/app",
		Environment:      []string{"B=2", "A=3"},
		KillSignal:       "SIGHUP",
		TimeoutStopSec:   10 * time.Second,
		Restart:          DefaultRestartPolicy(),
		Log:              LogSpec{MaxSize: 50 << 20},
	}
	want.Hash = want.ComputeHash()
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got  %#v\nwant %#v", s, want)
	}
}

func TestValidateParsedIsUnchanged(t *testing.T) {
	for _, name := range []string{"minimal", "full", "syntax"} {
		s, err := parseTestdata(t, "good", name)
		if err != nil {
			t.Fatal(err)
		}
		c := *s
		c.Environment = append([]string(nil), s.Environment...)
		if err := Validate(&c); err != nil {
			t.Errorf("%s: Validate: %v", name, err)
		}
		if !reflect.DeepEqual(&c, s) {
			t.Errorf("%s: Validate changed\n%#v\ninto\n%#v", name, s, &c)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	s := &Service{
		Name:             "bad name",
		File:             "/etc/supers/x.service",
		Description:      "a\x00b",
		ExecStart:        []string{"-/bin/x", "a b"},
		WorkingDirectory: "rel",
		Environment:      []string{"A=1", "B", "1=2"},
		User:             "a:b",
		Group:            "4294967295",
		KillSignal:       "NOPE",
		TimeoutStopSec:   -time.Second,
		Log:              LogSpec{MaxSize: 1000, MaxBackups: -1, MaxAge: -time.Hour, RotateEvery: time.Millisecond},
	}
	err := Validate(s)
	want := strings.Join([]string{
		`/etc/supers/x.service: invalid service name "bad name": character ' ' not allowed (use ASCII letters, digits, _ . @ -)`,
		`/etc/supers/x.service: [Unit] Description: invalid value "a\x00b": contains a NUL byte`,
		`/etc/supers/x.service: [Service] ExecStart: invalid value "-/bin/x 'a b'": program name starts with "-": systemd's ExecStart= prefixes (- @ + ! :) are not supported`,
		`/etc/supers/x.service: [Service] WorkingDirectory: invalid value "rel": must be an absolute path`,
		`/etc/supers/x.service: [Service] Environment: invalid value: Environment[1]: missing "=" (want KEY=VALUE; quote a value with spaces: "KEY=a b")`,
		`/etc/supers/x.service: [Service] Environment: invalid value: Environment[2]: invalid variable name "1" (want [A-Za-z_][A-Za-z0-9_]*)`,
		`/etc/supers/x.service: [Service] User: invalid value "a:b": not a valid user or group name or numeric ID`,
		`/etc/supers/x.service: [Service] Group: invalid value "4294967295": numeric ID out of range`,
		`/etc/supers/x.service: [Service] KillSignal: invalid value "NOPE": unknown signal "NOPE"`,
		`/etc/supers/x.service: [Service] TimeoutStopSec: invalid value "-1s": must not be negative`,
		`/etc/supers/x.service: [Log] MaxSize: invalid value "1000": must be a whole number of MiB, like 50M`,
		`/etc/supers/x.service: [Log] MaxBackups: invalid value "-1": must not be negative`,
		`/etc/supers/x.service: [Log] MaxAge: invalid value "-1h0m0s": must not be negative`,
		`/etc/supers/x.service: [Log] RotateEvery: invalid value "1ms": must be 0 (off) or at least 1s`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
	if s.Hash != "" {
		t.Errorf("Hash set on an invalid Service")
	}
	if err := Validate(New("x")); err == nil || err.Error() != "[Service] ExecStart: invalid value \"\": no command given" {
		t.Errorf("Validate(New without argv) = %v", err)
	}
	// Validate holds a Service built in Go to the rules of a parsed one.
	for sig, why := range map[string]string{
		"SIGSTOP": "SIGSTOP suspends a process, it does not end it (SIGKILL follows TimeoutStopSec= anyway)",
		"CHLD":    "SIGCHLD does not end a process (it is ignored unless handled, and means a child changed state): every stop would wait TimeoutStopSec= for the SIGKILL",
	} {
		s := New("x", "/bin/true")
		s.KillSignal = sig
		want := fmt.Sprintf("[Service] KillSignal: invalid value %q: %s", sig, why)
		if err := Validate(s); err == nil || err.Error() != want {
			t.Errorf("Validate with KillSignal %s = %v, want %s", sig, err, want)
		}
	}
	if err := Validate(nil); err == nil {
		t.Errorf("Validate(nil) = nil")
	}
}
