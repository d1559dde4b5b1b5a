package config

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

// encodeUTF16 returns s in UTF-16 with a byte order mark, as an editor
// that saves "Unicode" writes it.
func encodeUTF16(s string, bigEndian bool) []byte {
	units := utf16.Encode([]rune("\uFEFF" + s))
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// TestUTF16File checks that a service file, superd.conf or an
// EnvironmentFile= saved in UTF-16 is refused with one error that says
// so: each line was reported as a syntax error quoting bytes such as
// "\xff\xfe[\x00S\x00e\x00...", then ExecStart= as missing, which did not
// tell the user to save the file as UTF-8.
func TestUTF16File(t *testing.T) {
	for _, bigEndian := range []bool{false, true} {
		svc := encodeUTF16("[Service]\r\nExecStart=/bin/true\r\n", bigEndian)
		_, err := parse("u", "u.service", svc, readFile)
		var e *Error
		if !errors.As(err, &e) || e.Line != 1 || !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "UTF-16") ||
			!strings.Contains(err.Error(), "UTF-8") || strings.Contains(err.Error(), `\x00`) {
			t.Errorf("service file (big endian %v): %v\nwant one error on line 1 about UTF-16", bigEndian, err)
		}

		conf := encodeUTF16("[Daemon]\r\nAllowEdit=no\r\n", bigEndian)
		_, err = parseDaemon("superd.conf", conf, readFile)
		if !errors.As(err, &e) || e.Line != 1 || !strings.Contains(err.Error(), "UTF-16") {
			t.Errorf("superd.conf (big endian %v): %v\nwant one error on line 1 about UTF-16", bigEndian, err)
		}

		read := fakeFiles(map[string]string{"/etc/app.env": string(encodeUTF16("A=1\r\n", bigEndian))})
		_, err = parse("u", "u.service", []byte("[Service]\nExecStart=/bin/true\nEnvironmentFile=/etc/app.env\n"), read)
		if !errors.As(err, &e) || e.Line != 3 || !strings.Contains(err.Error(), "/etc/app.env:1: ") || !strings.Contains(err.Error(), "UTF-16") {
			t.Errorf("EnvironmentFile= (big endian %v): %v\nwant an error on line 3 naming the file and UTF-16", bigEndian, err)
		}
	}
}

// TestUTF16SecretFile: a SecretFile= in UTF-16 is refused as such, not as
// a secret that "contains a NUL byte".
func TestUTF16SecretFile(t *testing.T) {
	read := fakeFiles(map[string]string{"/etc/hook.secrets": string(encodeUTF16("whsec_dmFsaWQ=\r\n", false))})
	_, err := parseDaemon("superd.conf", []byte("[Webhook \"a\"]\nURL=http://h\nSecretFile=/etc/hook.secrets\n"), read)
	if err == nil || !strings.Contains(err.Error(), "/etc/hook.secrets:1: ") || !strings.Contains(err.Error(), "UTF-16") {
		t.Errorf("got %v, want an error naming the file and UTF-16", err)
	}
}
