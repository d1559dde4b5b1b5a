package config

import (
	"errors"
	"strings"
	"testing"
)

// TestEnvironmentErrorsHideValues checks that the errors of Environment=
// name the variables, never a value: Environment= is where a unit often
// keeps a password, and a file's errors go to superd's log, to `supers
// status` and to the webhooks, in config-error events. They quoted the
// whole value ("invalid value \"DB_PASSWORD=\\\"hunter2\": unterminated
// double quote"), as the errors of an EnvironmentFile= never do.
func TestEnvironmentErrorsHideValues(t *testing.T) {
	const svc = "[Service]\nExecStart=/bin/true\n"
	for _, tc := range []struct{ line, want string }{
		{`Environment=DB_PASSWORD="` + leak, `e.service:3: [Service] Environment: invalid value: unterminated double quote`},
		{`Environment=A=1 PASSWORD= ` + leak, `e.service:3: [Service] Environment: invalid value: word 3: missing "=" (want KEY=VALUE; quote a value with spaces: "KEY=a b")`},
		{`Environment=1PASSWORD=` + leak, `e.service:3: [Service] Environment: invalid value: word 1: invalid variable name "1PASSWORD" (want [A-Za-z_][A-Za-z0-9_]*)`},
		{"Environment=PASSWORD=" + leak + "\x00", `e.service:3: [Service] Environment: invalid value: contains a NUL byte`},
		{"Environment=PASSWORD='" + leak + "\x00'", `e.service:3: [Service] Environment: invalid value: contains a NUL byte`},
	} {
		_, err := Parse("e", "e.service", []byte(svc+tc.line+"\n"))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\ngot  %v\nwant %s", tc.line, err, tc.want)
		}
		if !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%q: %v does not wrap ErrInvalidValue", tc.line, err)
		}
	}

	// Validate, for a Service built in Go, names the entry.
	s := New("e", "/bin/true")
	s.Environment = []string{"A=1", leak, "2B=" + leak}
	err := Validate(s)
	if err == nil || strings.Contains(err.Error(), leak+`"`) || strings.Contains(err.Error(), "="+leak) ||
		!strings.Contains(err.Error(), "Environment[1]") || !strings.Contains(err.Error(), `Environment[2]: invalid variable name "2B"`) {
		t.Errorf("Validate: %v\nwant errors naming the entries and variables, not the values", err)
	}
}
