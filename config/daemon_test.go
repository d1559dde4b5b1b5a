package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// leak is part of every secret and secret-bearing URL in these tests: no
// error text or printed value may contain it.
const leak = "LEAKED"

// testCAPEM returns a PEM-encoded self-signed certificate.
func testCAPEM(t testing.TB) string {
	cert, _ := testCertPEM(t, true)
	return string(cert)
}

// testCertPEM returns a self-signed certificate (a CA's if ca) and its
// private key, PEM-encoded.
func testCertPEM(t testing.TB, ca bool) (cert, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  ca,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// daemonFiles are the files the superd.conf of these tests name.
func daemonFiles(t testing.TB) readFileFunc {
	return fakeFiles(map[string]string{
		"/etc/supers/hook.secrets": "whsec_" + leak + "11\n\n  whsec_" + leak + "22 \r\n",
		"/etc/supers/empty":        "\n \n",
		"/etc/supers/dir":          "<dir>",
		"/etc/supers/ca.pem":       testCAPEM(t),
		"/etc/supers/notpem":       "not a certificate " + leak,
	})
}

func TestParseDaemonGood(t *testing.T) {
	tests := []struct {
		name, src string
		want      Daemon
	}{{
		name: "empty",
		src:  "# nothing\n\n; at all\n",
		want: Daemon{},
	}, {
		name: "daemon only",
		src: "[Daemon]\nHTTPListen=127.0.0.1:8080\nHTTPTokenFile=/etc/supers/../supers/token\n" +
			"AllowEdit=yes\nSocketGroup=supers\nSocketAllowRootServices=yes\nX-Other=ignored\n[X-Tool]\nAnything=goes\n",
		want: Daemon{HTTPListen: "127.0.0.1:8080", HTTPTokenFile: "/etc/supers/token", AllowEdit: true, SocketGroup: "supers", SocketAllowRootServices: true},
	}, {
		name: "http api",
		src: "[Daemon]\nHTTPListen=0.0.0.0:8443\nHTTPTLSCertFile=/etc/supers/tls/cert.pem\nHTTPTLSKeyFile=/etc/supers/tls/key.pem\n" +
			"HTTPInsecure=no\nHTTPHosts=Supers.Internal, ops.example.com\nAllowRootServices=yes\n",
		want: Daemon{HTTPListen: "0.0.0.0:8443", HTTPTLSCertFile: "/etc/supers/tls/cert.pem", HTTPTLSKeyFile: "/etc/supers/tls/key.pem",
			HTTPHosts: []string{"supers.internal", "ops.example.com"}, AllowRootServices: true},
	}, {
		name: "listen variants",
		src:  "[Daemon]\nHTTPListen=[::1]:0\nSocketGroup=1000\nAllowEdit=off\n",
		want: Daemon{HTTPListen: "[::1]:0", SocketGroup: "1000"},
	}, {
		name: "webhooks",
		src: `[Webhook "ops"]
URL=https://hooks.example.com/services/` + leak + `
Events=exit, fatal restart,exit FATAL
Services=web,db web
Secret=whsec_` + leak + `AA
Secret=whsec_` + leak + `BB
Timeout=1min 30s
Retries=0
DenyPrivate=yes
CAFile=/etc/supers/ca.pem

[Daemon]
HTTPListen=:9090

[Webhook "audit.log@2"]
URL = http://10.0.0.1:8080/hook?token=` + leak + `&x=1
SecretFile=/etc/supers/hook.secrets
`,
		want: Daemon{HTTPListen: ":9090", Webhooks: []Webhook{{
			Name:        "ops",
			URL:         "https://hooks.example.com/services/" + leak,
			Events:      []string{"exit", "fatal", "restart"},
			Services:    []string{"db", "web"},
			Secrets:     []string{"whsec_" + leak + "AA", "whsec_" + leak + "BB"},
			Timeout:     90 * time.Second,
			Retries:     0,
			DenyPrivate: true,
			CAFile:      "/etc/supers/ca.pem",
		}, {
			Name:    "audit.log@2",
			URL:     "http://10.0.0.1:8080/hook?token=" + leak + "&x=1",
			Secrets: []string{"whsec_" + leak + "11", "whsec_" + leak + "22"},
			Timeout: DefaultWebhookTimeout,
			Retries: DefaultWebhookRetries,
		}}},
	}, {
		name: "defaults",
		src:  "[Webhook \"a\"]\nURL=HTTP://example.com\n[Webhook \"b\"]\nURL=http://example.com:1/\n",
		want: Daemon{Webhooks: []Webhook{
			{Name: "a", URL: "HTTP://example.com", Timeout: 5 * time.Second, Retries: 3},
			{Name: "b", URL: "http://example.com:1/", Timeout: 5 * time.Second, Retries: 3},
		}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := daemonFiles(t)
			d, err := parseDaemon("superd.conf", []byte(tt.src), files)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.File = "superd.conf"
			// The CA is the content parsing read, not a second read.
			want.Webhooks = slices.Clone(want.Webhooks)
			for i, w := range want.Webhooks {
				if w.CAFile != "" {
					want.Webhooks[i].CA, _ = files(w.CAFile)
				}
			}
			want.Hash = want.ComputeHash()
			if !reflect.DeepEqual(d, &want) {
				t.Errorf("got  %#v\nwant %#v\nwebhooks:\n%#v\n%#v", d, &want, secretsOf(d.Webhooks), secretsOf(want.Webhooks))
			}
		})
	}
}

// secretsOf returns the secrets of hooks, which %v does not show.
func secretsOf(hooks []Webhook) [][]string {
	var s [][]string
	for _, h := range hooks {
		s = append(s, h.Secrets)
	}
	return s
}

func TestParseDaemonErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // error lines, without "superd.conf:"
		is        error
	}{{
		name: "outside",
		src:  "HTTPListen=:1\nURL=x\nOther=1\n",
		want: []string{
			`1: HTTPListen: syntax error: key outside of any section (it belongs in [Daemon])`,
			`2: URL: syntax error: key outside of any section (it belongs in [Webhook "NAME"])`,
			`3: Other: syntax error: key outside of any section`,
		},
		is: ErrSyntax,
	}, {
		name: "daemon values",
		src: "[Daemon]\nHTTPListen=localhost\nHTTPListen=:1\nHTTPTokenFile=rel\nAllowEdit=maybe\n" +
			"SocketGroup=a b\nHTTPListn=:1\nAllowEdit=\n[Daemon]\nHTTPListen=:99999\n",
		want: []string{
			`2: [Daemon] HTTPListen: invalid value "localhost": missing port in address`,
			`3: [Daemon] HTTPListen: duplicate key (first set on line 2)`,
			`4: [Daemon] HTTPTokenFile: invalid value "rel": must be an absolute path`,
			`5: [Daemon] AllowEdit: invalid value "maybe": expected a boolean (yes/no, true/false, on/off, 1/0)`,
			`6: [Daemon] SocketGroup: invalid value "a b": not a valid user or group name or numeric ID`,
			`7: [Daemon] HTTPListn: unknown key (did you mean HTTPListen?)`,
			`8: [Daemon] AllowEdit: duplicate key (first set on line 5)`,
			`9: [Daemon]: duplicate section (first on line 1)`,
		},
	}, {
		name: "http api values",
		src:  "[Daemon]\nHTTPTLSCertFile=/c.pem\nHTTPHosts=ok fe80::1 a:80\nHTTPInsecure=perhaps\n[Daemon]\n",
		want: []string{
			`2: [Daemon] HTTPTLSCertFile: invalid value: needs HTTPTLSKeyFile= too`,
			`3: [Daemon] HTTPHosts: invalid value "ok fe80::1 a:80": "a:80" is not a host name or IP address (no port, no scheme)`,
			`4: [Daemon] HTTPInsecure: invalid value "perhaps": expected a boolean (yes/no, true/false, on/off, 1/0)`,
			`5: [Daemon]: duplicate section (first on line 1)`,
		},
	}, {
		name: "ports",
		src:  "[Daemon]\nHTTPListen=:99999\n[Webhook \"a\"]\nURL=http://h:0/\n",
		want: []string{
			`2: [Daemon] HTTPListen: invalid value ":99999": port "99999" is not a number from 0 to 65535`,
			`4: [Webhook "a"] URL: invalid value: port out of range (1-65535)`,
		},
		is: ErrInvalidValue,
	}, {
		name: "listen port name",
		src:  "[Daemon]\nHTTPListen=:http\n",
		want: []string{`2: [Daemon] HTTPListen: invalid value ":http": port "http" is not a number from 0 to 65535`},
	}, {
		name: "headers",
		src: "[Daemon \"x\"]\n[Webhook]\n[Webhook \"bad name\"]\n[Webhook x]\n[webhook \"y\"]\n[Webhok \"y\"]\n" +
			"[Service]\n[Webhook \"\"]\n[Webhook \"a\"b\"]\n[Deamon]\n",
		want: []string{
			`1: [Daemon "x"]: syntax error: [Daemon] takes no name`,
			`2: [Webhook]: syntax error: a [Webhook] section needs a name: [Webhook "NAME"]`,
			`3: [Webhook "bad name"]: invalid webhook name "bad name": character ' ' not allowed (use ASCII letters, digits, _ . @ -)`,
			`4: [Webhook x]: syntax error: expected [Webhook "NAME"]`,
			`5: [webhook "y"]: unknown section (did you mean [Webhook "y"]?)`,
			`6: [Webhok "y"]: unknown section (did you mean [Webhook "y"]?)`,
			`7: [Service]: unknown section (it belongs in a NAME.service file)`,
			`8: [Webhook ""]: invalid webhook name "": must not be empty`,
			`9: [Webhook "a"b"]: syntax error: expected [Webhook "NAME"]`,
			`10: [Deamon]: unknown section (did you mean [Daemon]?)`,
		},
	}, {
		name: "bad webhook name",
		src:  "[Webhook \"-x\"]\n",
		want: []string{`1: [Webhook "-x"]: invalid webhook name "-x": must start with an ASCII letter or digit`},
		is:   ErrInvalidName,
	}, {
		name: "duplicate webhook",
		src:  "[Webhook \"a\"]\nURL=http://h\n[Webhook  \"a\"]\nURL=nonsense\n",
		want: []string{`3: [Webhook "a"]: duplicate section (first on line 1)`},
		is:   ErrDuplicateSection,
	}, {
		name: "webhook values",
		src: `[Webhook "a"]
URL=ftp://u:` + leak + `@h/p
Secret=whsec_` + leak + `AA
Secret=
SecretFile=/etc/supers/hook.secrets
Events=start,boom
Services=web db!
Timeout=0
Retries=-1
DenyPrivate=x
CAFile=/etc/supers/notpem
Sercet=` + leak + `
Events=
Services=,
Timeout=infinity
URL=http://h
`,
		want: []string{
			`2: [Webhook "a"] URL: invalid value: scheme "ftp" not allowed: use http or https`,
			`4: [Webhook "a"] Secret: invalid value: must not be empty`,
			`5: [Webhook "a"] SecretFile: invalid value: cannot be combined with Secret= (line 3)`,
			`6: [Webhook "a"] Events: invalid value "start,boom": unknown event "boom" (use start, exit, restart, stop, fatal, exec-failed, reload, create, update, delete, config-error, log-error, log-resumed)`,
			`7: [Webhook "a"] Services: invalid value "web db!": invalid service name "db!": character '!' not allowed (use ASCII letters, digits, _ . @ -)`,
			`8: [Webhook "a"] Timeout: invalid value "0": must be positive`,
			`9: [Webhook "a"] Retries: invalid value "-1": expected a whole number ≥ 0`,
			`10: [Webhook "a"] DenyPrivate: invalid value "x": expected a boolean (yes/no, true/false, on/off, 1/0)`,
			`11: [Webhook "a"] CAFile: /etc/supers/notpem: no PEM certificate found`,
			`12: [Webhook "a"] Sercet: unknown key (did you mean Secret?)`,
			`13: [Webhook "a"] Events: duplicate key (first set on line 6)`,
			`14: [Webhook "a"] Services: duplicate key (first set on line 7)`,
			`15: [Webhook "a"] Timeout: duplicate key (first set on line 8)`,
			`16: [Webhook "a"] URL: duplicate key (first set on line 2)`,
		},
	}, {
		name: "secret file after secret",
		src:  "[Webhook \"a\"]\nURL=http://h\nSecretFile=/etc/supers/hook.secrets\nSecret=x\n",
		want: []string{`4: [Webhook "a"] Secret: invalid value: cannot be combined with SecretFile= (line 3)`},
	}, {
		name: "empty values",
		src:  "[Webhook \"f\"]\nURL=http://h\nEvents=\nServices=,\nTimeout=\nSecretFile=\n",
		want: []string{
			`3: [Webhook "f"] Events: invalid value "": must not be empty`,
			`4: [Webhook "f"] Services: invalid value ",": no service given`,
			`5: [Webhook "f"] Timeout: invalid value "": must not be empty`,
			`6: [Webhook "f"] SecretFile: invalid value "": must not be empty`,
		},
	}, {
		name: "files",
		src: "[Webhook \"c\"]\nURL=http://h\nSecretFile=/nope\nCAFile=/etc/supers/dir\n" +
			"[Webhook \"d\"]\nURL=http://h\nSecretFile=/etc/supers/empty\nCAFile=/nope\n" +
			"[Webhook \"e\"]\nURL=http://h\nSecretFile=relative\nCAFile=relative\n",
		want: []string{
			`3: [Webhook "c"] SecretFile: /nope: cannot read: file does not exist`,
			`4: [Webhook "c"] CAFile: /etc/supers/dir: not a regular file`,
			`7: [Webhook "d"] SecretFile: /etc/supers/empty: holds no secret`,
			`8: [Webhook "d"] CAFile: /nope: cannot read: file does not exist`,
			`11: [Webhook "e"] SecretFile: invalid value "relative": must be an absolute path`,
			`12: [Webhook "e"] CAFile: invalid value "relative": must be an absolute path`,
		},
		is: fs.ErrNotExist,
	}, {
		name: "urls",
		src: "[Webhook \"a\"]\nURL=https://" + leak + "@:80/x\n[Webhook \"b\"]\nURL=http://h/%zz" + leak + "\n" +
			"[Webhook \"c\"]\nURL=/" + leak + "\n[Webhook \"d\"]\nURL=mailto:" + leak + "@example.com\n" +
			"[Webhook \"e\"]\nURL=http:" + leak + "\n[Webhook \"f\"]\nURL=http://h:" + leak + "/\n",
		want: []string{
			`2: [Webhook "a"] URL: invalid value: no host`,
			`4: [Webhook "b"] URL: invalid value: not a valid URL: bad escape or host`,
			`6: [Webhook "c"] URL: invalid value: must start with http:// or https://`,
			`8: [Webhook "d"] URL: invalid value: scheme "mailto" not allowed: use http or https`,
			`10: [Webhook "e"] URL: invalid value: no host`,
			`12: [Webhook "f"] URL: invalid value: not a valid URL`,
		},
	}, {
		name: "missing url",
		src:  "[Webhook \"b\"]\nTimeout=1s\n\n[Webhook \"c\"]\n",
		want: []string{
			`1: [Webhook "b"] URL: required key is missing`,
			`4: [Webhook "c"] URL: required key is missing`,
		},
		is: ErrMissingKey,
	}, {
		name: "stray secrets",
		src: "[Webhook \"a\"]\nURL=http://h\nSecret=\nwhsec_" + leak + "\n" +
			"whsec_" + leak + "AAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nwhsec_" + leak + "+/=\n" + leak + "-x=\n",
		want: []string{
			`3: [Webhook "a"] Secret: invalid value: must not be empty`,
			`4: [Webhook "a"]: syntax error: missing "="`,
			`5: [Webhook "a"]: unknown key (a 40-character name, not shown)`,
			`6: [Webhook "a"]: syntax error: invalid key name`,
			`7: [Webhook "a"] LEAKED-x: unknown key`, // short: shown (no secret is this short)
		},
	}, {
		name: "value syntax",
		src:  "[Webhook \"a\"]\nURL=`http://h`\nSecret=\"\"\"" + leak + "\"\"\"\n",
		want: []string{
			"2: [Webhook \"a\"] URL: invalid value: a value must not start with ` or \"\"\"",
			"3: [Webhook \"a\"] Secret: invalid value: a value must not start with ` or \"\"\"",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parseDaemon("superd.conf", []byte(tt.src), daemonFiles(t))
			if err == nil {
				t.Fatalf("no error, got %v", d)
			}
			if d != nil {
				t.Errorf("got a Daemon and an error")
			}
			want := "superd.conf:" + strings.Join(tt.want, "\nsuperd.conf:")
			if got := err.Error(); got != want {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) = false", tt.is)
			}
		})
	}
}

// TestDaemonErrorsHideSecrets puts the secrets in every place where an error
// could quote them, and checks that none does.
func TestDaemonErrorsHideSecrets(t *testing.T) {
	secret := "whsec_" + leak
	srcs := []string{
		"[Webhook \"a\"]\nURL=http://h\nSecret=" + secret + "\x00\n",
		"[Webhook \"a\"]\nURL=http://h\nSecret=`" + secret + "`\n",
		"[Webhook \"a\"]\nURL=http://h\nSecret=" + secret + "\nSecret=" + secret + "\nSecretFile=/etc/supers/hook.secrets\n",
		"[Webhook \"a\"]\nURL=http://h\nSecretFile=/etc/supers/nul\n",
		"[Webhook \"a\"]\nURL=http://h\nCAFile=/etc/supers/notpem\n",
		"[Webhook \"a\"]\nURL=http://u:" + leak + "@h:99999/\n",
		"[Webhook \"a\"]\nURL=http://" + leak + ":x@[::1/\n",
		"[Webhook \"a\"]\nURL=gopher://" + leak + "\n",
		"[Webhook \"a\"]\nURL=http://h/" + leak + "\x00\n",
		"[Webhook \"a\"]\nURL=http://h\n" + secret + "\n",
		"[Webhook \"a\"]\nURL=http://h\n" + secret + "::\n",
		"[Webhook \"a\"]\nURL=http://h\n" + secret + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx==\n",
		"[Webhook \"a\"]\nURL=http://h\nSecret=" + strings.Repeat("x", 70<<10) + leak + "\n",
		"[Webhook \"a\"]\nURL=http://h\nSecret=" + secret + "\n[Webhook \"a\"]\nSecret=" + secret + "\n",
		secret + "\n[Webhook \"a\"]\nURL=http://h\n",
	}
	read := fakeFiles(map[string]string{
		"/etc/supers/hook.secrets": secret + "\n",
		"/etc/supers/nul":          secret + "\x00\n",
		"/etc/supers/notpem":       secret,
	})
	for i, src := range srcs {
		_, err := parseDaemon("superd.conf", []byte(src), read)
		if err == nil {
			t.Errorf("%d: no error", i)
			continue
		}
		if strings.Contains(err.Error(), leak) {
			t.Errorf("%d: the error shows a secret:\n%v", i, err)
		}
	}
}

func TestParseDaemonDottedNames(t *testing.T) {
	// ini.v1 treats "." as a parent/child delimiter in section names; it
	// must not mix the keys of [Webhook "a"] and [Webhook "a.b"].
	src := "[Webhook \"a.b\"]\nURL=http://child\n[Webhook \"a\"]\nURL=http://parent\nRetries=7\n"
	d, err := parseDaemon("superd.conf", []byte(src), daemonFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Webhooks) != 2 || d.Webhooks[0].URL != "http://child" || d.Webhooks[0].Retries != 3 ||
		d.Webhooks[1].URL != "http://parent" || d.Webhooks[1].Retries != 7 {
		t.Errorf("got %v", d.Webhooks)
	}
}

func TestServiceFileRejectsDaemonSections(t *testing.T) {
	_, err := parse("web", "web.service", []byte("[Service]\nExecStart=x\n[Webhook \"a\"]\nURL=http://h\n[Daemon]\n"), readFile)
	want := "web.service:3: [Webhook \"a\"]: unknown section (it belongs in superd.conf)\n" +
		"web.service:5: [Daemon]: unknown section (it belongs in superd.conf)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want\n%s", err, want)
	}
}

func TestLoadDaemon(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		d, err := LoadDaemon(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		want := &Daemon{}
		want.Hash = want.ComputeHash()
		if !reflect.DeepEqual(d, want) {
			t.Errorf("got %#v, want %#v", d, want)
		}
		// A file of comments configures the same thing.
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, DaemonFile), "# only comments\n")
		d2, err := LoadDaemon(dir)
		if err != nil || d2.Hash != d.Hash || d2.File != filepath.Join(dir, DaemonFile) {
			t.Errorf("got %#v, %v", d2, err)
		}
	})
	t.Run("on disk", func(t *testing.T) {
		dir := t.TempDir()
		secrets := filepath.Join(dir, "hook.secrets")
		ca := filepath.Join(dir, "ca.pem")
		writeFile(t, secrets, "one\ntwo\n")
		caPEM := testCAPEM(t)
		writeFile(t, ca, caPEM)
		path := filepath.Join(dir, DaemonFile)
		writeFile(t, path, "[Daemon]\nAllowEdit=1\n[Webhook \"x\"]\nURL=https://h/\nSecretFile="+secrets+"\nCAFile="+ca+"\n")
		d, err := LoadDaemon(dir)
		if err != nil {
			t.Fatal(err)
		}
		want := &Daemon{File: path, AllowEdit: true, Webhooks: []Webhook{{
			Name: "x", URL: "https://h/", Secrets: []string{"one", "two"}, CAFile: ca, CA: []byte(caPEM),
			Timeout: DefaultWebhookTimeout, Retries: DefaultWebhookRetries,
		}}}
		want.Hash = want.ComputeHash()
		if !reflect.DeepEqual(d, want) {
			t.Errorf("got %#v, want %#v", d, want)
		}
		d2, err := ParseDaemonFile(path)
		if err != nil || !reflect.DeepEqual(d2, d) {
			t.Errorf("ParseDaemonFile: %#v, %v", d2, err)
		}

		// A missing SecretFile is an error naming it (not "no superd.conf").
		if err := os.Remove(secrets); err != nil {
			t.Fatal(err)
		}
		_, err = LoadDaemon(dir)
		want2 := path + ":5: [Webhook \"x\"] SecretFile: " + secrets + ": cannot read: "
		if err == nil || !strings.HasPrefix(err.Error(), want2) || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want %s", err, want2)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, DaemonFile), 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := LoadDaemon(dir)
		want := filepath.Join(dir, DaemonFile) + ": not a regular file"
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
		_, err = ParseDaemonFile(filepath.Join(dir, "nope.conf"))
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) || e.File != filepath.Join(dir, "nope.conf") {
			t.Errorf("ParseDaemonFile of a missing file: %v", err)
		}
	})
}

func TestLoadDirIgnoresDaemonFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "web.service"), "[Service]\nExecStart=/bin/true\n")
	writeFile(t, filepath.Join(dir, DaemonFile), "[Webhook \"a\"]\nURL=http://h\n")
	services, errs := LoadDir(dir)
	if len(errs) != 0 || len(services) != 1 || services[0].Name != "web" {
		t.Errorf("LoadDir: %v, %v", services, errs)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDaemonHash(t *testing.T) {
	base := "[Daemon]\nHTTPListen=:1\nAllowEdit=no\n[Webhook \"a\"]\nURL=http://a\nEvents=exit start\nSecret=s1\nSecret=s2\n" +
		"[Webhook \"b\"]\nURL=http://b\nTimeout=5s\n"
	hash := func(src string) string {
		t.Helper()
		d, err := parseDaemon("superd.conf", []byte(src), daemonFiles(t))
		if err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
		if d.Hash != d.ComputeHash() {
			t.Fatalf("Hash is not ComputeHash")
		}
		return d.Hash
	}
	h := hash(base)
	same := []string{
		"# comment\n" + strings.ReplaceAll(base, "=", " = "),
		"[Webhook \"b\"]\nURL=http://b\n[Webhook \"a\"]\nSecret=s1\nURL=http://a\nEvents=START,exit,start\nSecret=s2\n[Daemon]\nHTTPListen=:1\n",
		base + "[X-Mine]\nA=b\n",
		strings.Replace(base, "Timeout=5s", "Timeout=5000ms", 1),
	}
	for _, src := range same {
		if got := hash(src); got != h {
			t.Errorf("hash changed for\n%s", src)
		}
	}
	seen := map[string]string{h: base}
	for _, change := range [][2]string{
		{"HTTPListen=:1", "HTTPListen=:2"},
		{"AllowEdit=no", "AllowEdit=yes"},
		{"AllowEdit=no", "SocketGroup=x"},
		{"AllowEdit=no", "HTTPTokenFile=/t"},
		{"URL=http://a", "URL=http://a/"},
		{"Events=exit start", "Events=exit"},
		{"Secret=s2", "Secret=s3"},
		{"Secret=s1\nSecret=s2", "Secret=s2\nSecret=s1"},
		{"Timeout=5s", "Timeout=6s"},
		{"Timeout=5s", "Retries=4"},
		{"Timeout=5s", "DenyPrivate=1"},
		{"Timeout=5s", "Services=web"},
		{"Timeout=5s", "CAFile=/etc/supers/ca.pem"},
		{"[Webhook \"b\"]", "[Webhook \"c\"]"},
	} {
		src := strings.Replace(base, change[0], change[1], 1)
		got := hash(src)
		if prev, dup := seen[got]; dup {
			t.Errorf("same hash for\n%s\nand\n%s", prev, src)
		}
		seen[got] = src
	}
}

// mustParseDaemon parses text as superd.conf, failing the test on error.
func mustParseDaemon(t *testing.T, text string) *Daemon {
	t.Helper()
	d, err := parseDaemon("superd.conf", []byte(text), readFile)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDaemonSameSettings(t *testing.T) {
	parse := func(text string) *Daemon { return mustParseDaemon(t, text) }
	base := parse("[Daemon]\nHTTPListen=127.0.0.1:8080\nAllowEdit=no\n")
	for _, tc := range []struct {
		text string
		same bool
	}{
		{"# a comment\n[Daemon]\nAllowEdit=no\nHTTPListen=127.0.0.1:8080\n", true},
		{"[Daemon]\nHTTPListen=127.0.0.1:8080\n[Webhook \"w\"]\nURL=https://example.com/hook\n", true},
		{"[Daemon]\nHTTPListen=127.0.0.1:8080\nAllowEdit=yes\n", false},
		{"[Daemon]\nHTTPListen=127.0.0.1:9090\n", false},
		{"[Daemon]\nHTTPListen=127.0.0.1:8080\nHTTPHosts=example.com\n", false},
		{"", false},
	} {
		if got := base.SameSettings(parse(tc.text)); got != tc.same {
			t.Errorf("SameSettings(%q) = %v, want %v", tc.text, got, tc.same)
		}
	}
	// The keys that changed, named as in the file.
	got := base.ChangedSettings(parse("[Daemon]\nHTTPListen=127.0.0.1:9090\nAllowEdit=yes\nSocketGroup=ops\n"))
	if want := []string{"HTTPListen", "AllowEdit", "SocketGroup"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ChangedSettings = %q, want %q", got, want)
	}
	// Every field but File, Hash and Webhooks is a key of the section.
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Daemon]()) {
		switch f.Name {
		case "File", "Hash", "Webhooks":
		default:
			if !slices.Contains(daemonSchema.sections[0].keys, f.Name) {
				t.Errorf("Daemon field %s is no [Daemon] key: ChangedSettings would name it wrongly", f.Name)
			}
		}
	}
}

// The hash covers the content of CAFile=, not only its path: a CA bundle
// rotated in place must make a reload rebuild the webhooks.
func TestDaemonHashCoversCAContent(t *testing.T) {
	src := []byte("[Webhook \"a\"]\nURL=https://h/\nCAFile=/etc/supers/ca.pem\n")
	parse := func(pem string) *Daemon {
		d, err := parseDaemon("superd.conf", src, fakeFiles(map[string]string{"/etc/supers/ca.pem": pem}))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(d.Webhooks[0].CA); got != pem {
			t.Fatalf("CA = %q, want the file's content", got)
		}
		return d
	}
	one, two := testCAPEM(t), testCAPEM(t)
	if parse(one).Hash == parse(two).Hash {
		t.Error("same hash for two CA bundles at the same path")
	}
	if parse(one).Hash != parse(one).Hash {
		t.Error("hash differs for the same CA bundle")
	}
}
