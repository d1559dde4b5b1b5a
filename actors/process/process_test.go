package process

import (
	"errors"
	"io/fs"
	"syscall"
	"testing"
)

func TestExitString(t *testing.T) {
	for _, tc := range []struct {
		exit Exit
		want string
	}{
		{Exit{Code: 0}, "exit code 0"},
		{Exit{Code: 3}, "exit code 3"},
		{Exit{Code: -1, Signal: "SIGKILL"}, "signal SIGKILL"},
		{Exit{Code: -1, Signal: "SIGSEGV", CoreDumped: true}, "signal SIGSEGV (core dumped)"},
	} {
		if got := tc.exit.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.exit, got, tc.want)
		}
	}
}

func TestExecError(t *testing.T) {
	err := error(&ExecError{Op: "exec", Path: "/nope", Err: syscall.ENOENT})
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, syscall.ENOENT) {
		t.Errorf("%v does not unwrap to ENOENT", err)
	}
	lookup := &ExecError{Op: "lookup", Path: "nope", Err: errNotInPath}
	if !errors.Is(lookup, fs.ErrNotExist) {
		t.Errorf("%v is not fs.ErrNotExist", lookup)
	}
	if got, want := lookup.Error(), `lookup "nope": executable file not found in PATH: file does not exist`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestEnvValue(t *testing.T) {
	env := []string{"PATH=/a", "X=1", "PATHX=no", "PATH=/b"}
	if v, ok := envValue(env, "PATH"); !ok || v != "/b" {
		t.Errorf("envValue = %q, %v; want the last PATH", v, ok)
	}
	if _, ok := envValue(env, "HOME"); ok {
		t.Error("envValue found an unset key")
	}
}
