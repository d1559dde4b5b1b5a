package config

import "testing"

// TestValidateRefusesMultilineDescription: a Description built in Go is
// held to what a service file can hold, one line; one with a line break
// was accepted, and broke the lines of supers status.
func TestValidateRefusesMultilineDescription(t *testing.T) {
	for _, d := range []string{"two\nlines", "carriage\rreturn"} {
		s := New("x", "/bin/true")
		s.Description = d
		want := `[Unit] Description: invalid value "` + map[string]string{"two\nlines": `two\nlines`, "carriage\rreturn": `carriage\rreturn`}[d] + `": contains a line break (a description is one line)`
		if err := Validate(s); err == nil || err.Error() != want {
			t.Errorf("Validate with Description %q = %v, want %s", d, err, want)
		}
	}
}

// TestParseRefusesCarriageReturnInDescription: a lone carriage return in a
// file's Description is refused as Validate refuses it (what Parse accepts
// must validate).
func TestParseRefusesCarriageReturnInDescription(t *testing.T) {
	_, err := Parse("t", "t.service", []byte("[Unit]\nDescription=a\rb\n[Service]\nExecStart=/bin/true\n"))
	want := `t.service:2: [Unit] Description: invalid value "a\rb": contains a line break (a description is one line)`
	if err == nil || err.Error() != want {
		t.Errorf("Parse = %v, want %s", err, want)
	}
}
