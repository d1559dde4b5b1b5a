package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/kballard/go-shellquote"
)

// parseEnvFile parses the contents of an EnvironmentFile: one KEY=VALUE per
// line, optionally prefixed by "export "; blank lines and lines starting
// with # or ; are ignored. A value starting with a quote is one shell word
// ("a b", 'a b', "a\"b"); any other value is taken literally, spaces
// included, trimmed at both ends. path only names the file in errors, which
// give the line number and never its content: such files often hold
// secrets, and superd reads them with its own privileges.
func parseEnvFile(path string, data []byte) ([]string, error) {
	if err := checkEncoding(data); err != nil {
		return nil, fmt.Errorf("%s:1: %w", path, err)
	}
	var env []string
	for i, line := range strings.Split(strings.TrimPrefix(string(data), "\uFEFF"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		kv, err := parseEnvLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		env = append(env, kv)
	}
	return env, nil
}

func parseEnvLine(line string) (string, error) {
	if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && unicode.IsSpace(rune(rest[0])) {
		line = strings.TrimSpace(rest)
	}
	key, value, ok := strings.Cut(line, "=")
	if !ok {
		return "", errors.New(`missing "=" (want KEY=VALUE)`)
	}
	key, value = strings.TrimSpace(key), strings.TrimSpace(value)
	if !validEnvName(key) {
		return "", errors.New("invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)")
	}
	if value != "" && (value[0] == '"' || value[0] == '\'') {
		words, err := splitWords(value)
		if err != nil {
			return "", err // no name: the file's content is never shown
		}
		if len(words) != 1 {
			return "", errors.New("unexpected text after the quoted value")
		}
		value = words[0]
	}
	if strings.IndexByte(value, 0) >= 0 {
		return "", errors.New("value contains a NUL byte")
	}
	return key + "=" + value, nil
}

// parseEnvironment parses the value of Environment=: whitespace-separated
// KEY=VALUE words, each quoted as in a shell ("A=1 2" B=3). Its errors
// name a word by its place and a variable by its name, never a value (a
// unit often keeps a password there).
func parseEnvironment(value string) ([]string, error) {
	words, err := splitWords(value)
	if err != nil {
		return nil, err
	}
	for i, w := range words {
		if err := checkEnvAssignment(w); err != nil {
			return nil, fmt.Errorf("word %d: %w", i+1, err)
		}
	}
	return words, nil
}

// checkEnvAssignment checks one KEY=VALUE environment entry. Its errors
// show the name of the variable, never its value.
func checkEnvAssignment(kv string) error {
	key, _, ok := strings.Cut(kv, "=")
	if !ok {
		return errors.New(`missing "=" (want KEY=VALUE; quote a value with spaces: "KEY=a b")`)
	}
	if strings.IndexByte(kv, 0) >= 0 {
		return fmt.Errorf("variable %s: contains a NUL byte", quoteValue(key))
	}
	return checkEnvName(key)
}

// checkEnvName checks that name is [A-Za-z_][A-Za-z0-9_]*.
func checkEnvName(name string) error {
	if !validEnvName(name) {
		return fmt.Errorf("invalid variable name %s (want [A-Za-z_][A-Za-z0-9_]*)", quoteValue(name))
	}
	return nil
}

// validEnvName reports whether name is [A-Za-z_][A-Za-z0-9_]*.
func validEnvName(name string) bool {
	ok := name != "" && (isLetter(name[0]) || name[0] == '_')
	for i := 1; ok && i < len(name); i++ {
		ok = isAlnum(name[i]) || name[i] == '_'
	}
	return ok
}

// dedupeEnv drops every KEY=VALUE entry overridden by a later one with the
// same KEY, keeping the others in order (as os/exec does).
func dedupeEnv(env []string) []string {
	if len(env) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(env))
	out := make([]string, 0, len(env))
	for i := len(env) - 1; i >= 0; i-- {
		key, _, _ := strings.Cut(env[i], "=")
		if !seen[key] {
			seen[key] = true
			out = append(out, env[i])
		}
	}
	slices.Reverse(out)
	return out
}

// splitWords splits s into words as a POSIX shell would, with quotes and
// backslash escapes but no expansion of any kind.
func splitWords(s string) ([]string, error) {
	words, err := shellquote.Split(s)
	switch {
	case errors.Is(err, shellquote.UnterminatedSingleQuoteError):
		return nil, errors.New("unterminated single quote")
	case errors.Is(err, shellquote.UnterminatedDoubleQuoteError):
		return nil, errors.New("unterminated double quote")
	case errors.Is(err, shellquote.UnterminatedEscapeError):
		return nil, errors.New("backslash at the end of the value")
	case err != nil:
		return nil, err
	}
	return words, nil
}
