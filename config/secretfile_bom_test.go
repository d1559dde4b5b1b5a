package config

import (
	"slices"
	"testing"
)

// TestSecretFileBOM checks that a byte order mark at the start of a
// SecretFile= (as Windows editors and PowerShell's Out-File write) is not
// taken as part of the first secret, as for service and environment files:
// "\uFEFFwhsec_..." would be used as raw bytes, and every signature would
// be silently wrong.
func TestSecretFileBOM(t *testing.T) {
	read := fakeFiles(map[string]string{
		"/etc/supers/hook.secrets": "\uFEFFwhsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\r\nraw-secret\r\n",
	})
	d, err := parseDaemon("superd.conf", []byte("[Webhook \"a\"]\nURL=http://h\nSecretFile=/etc/supers/hook.secrets\n"), read)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "raw-secret"}
	if got := d.Webhooks[0].Secrets; !slices.Equal(got, want) {
		t.Errorf("Secrets = %q, want %q", got, want)
	}
}
