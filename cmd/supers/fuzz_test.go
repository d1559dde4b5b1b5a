package main

import (
	"io"
	"strings"
	"testing"
)

// FuzzRun checks that no command line makes supers panic or exit with a
// code outside its documented set. superd is not reachable.
func FuzzRun(f *testing.F) {
	for _, seed := range []string{
		"", "list", "ls", "status a b", "start", "stop a", "restart a b", "version", "completion", "completion -c fish", "completion --code",
		"--json status", "--timeout -1s list", "--timeout 0 status x", "--socket", "--socket= list",
		"status --json ''", "start . .. a/b", "--help", "-h status", "status -- -x",
		"reload", "--json reload", "check", "check -v", "check -v nope.service", "--json check a.service b",
		"logs a", "logs -f -n all --stderr a", "logs -n -1 a", "signal a HUP", "signal a", "cat a", "--json cat a",
		"apply a.service b.txt", "rm a b", "rm --if-match x a b", "edit a", "edit ../a",
		"--url http://127.0.0.1:1 list", "--url x --socket y list", "--token-file t list", "--url http://[::1]:1 --token-file /nonexistent cat a",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		env := map[string]string{"SUPERS_SOCKET": "/nonexistent/superd.sock", "SHELL": "/bin/bash"}
		code := run(t.Context(), args, nil, io.Discard, io.Discard, func(k string) string { return env[k] })
		switch code {
		case 0, 1, 2, 3, 4:
		default:
			t.Fatalf("%q: exit code %d", line, code)
		}
	})
}
