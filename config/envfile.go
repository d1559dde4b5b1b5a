package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kballard/go-shellquote"
)

// parseEnvFile parses the contents of an EnvironmentFile= as systemd
// does: KEY=VALUE assignments, optionally prefixed by "export "; blank
// lines and lines whose first non-blank character is # or ; are ignored.
// Outside quotes, a value has its leading and trailing blanks removed, a
// backslash takes the next character literally (\$ is $, \\ is \), and
// a backslash at the end of a line joins the next one. A value may be
// quoted, and span lines: within single quotes everything is literal;
// within double quotes a backslash escapes only " \ ` $ and a line end
// (other backslashes stay). Quoted and unquoted parts next to each other
// join (A="x"'y'z is xyz). Unlike systemd, which ignores them or takes
// what it has, a line with no "=", an invalid name, text after a quoted
// value and blanks, and a quote left open are errors. path only names
// the file in errors, which give the line number (where the assignment
// began) and never its content: such files often hold secrets, and
// superd reads them with its own privileges.
func parseEnvFile(path string, data []byte) ([]string, error) {
	if err := checkEncoding(data); err != nil {
		return nil, fmt.Errorf("%s:1: %w", path, err)
	}
	p := envFileParser{line: 1}
	env, err := p.parse(strings.TrimPrefix(string(data), "\uFEFF"))
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, p.start, err)
	}
	return env, nil
}

// envState is where envFileParser is in an assignment.
type envState int

const (
	envPreKey       envState = iota // between assignments
	envKey                          // in a name
	envPreValue                     // after "=" or a closing quote, before more of the value
	envValue                        // in an unquoted part of a value
	envValueEscape                  // after a backslash in an unquoted part
	envSingleQuoted                 // within single quotes
	envDoubleQuoted                 // within double quotes
	envDoubleEscape                 // after a backslash within double quotes
	envComment                      // in a comment line
)

// envFileParser holds the state of parseEnvFile.
type envFileParser struct {
	env        []string
	key, value []byte
	keyEnd     int  // len(key) without its trailing blanks
	valueEnd   int  // len(value) without the trailing blanks of its unquoted end
	quoted     bool // the value has a quoted part: after it, blanks then text are an error
	line       int  // line of the current byte
	start      int  // line where the current assignment began
}

func (p *envFileParser) parse(s string) ([]string, error) {
	state := envPreKey
	for i := 0; i < len(s); i++ {
		c := s[i]
		newline := c == '\n' || c == '\r'
		switch state {
		case envPreKey:
			switch {
			case c == '#' || c == ';':
				state = envComment
			case c == '=':
				// "=foo": an assignment with no name, not a line without "=".
				state, p.start = envPreValue, p.line
				p.key, p.keyEnd, p.value, p.valueEnd, p.quoted = p.key[:0], 0, p.value[:0], 0, false
			case !newline && c != ' ' && c != '\t':
				state, p.start = envKey, p.line
				p.key, p.keyEnd, p.value, p.valueEnd, p.quoted = append(p.key[:0], c), 1, p.value[:0], 0, false
			}
		case envKey:
			switch {
			case newline:
				return nil, errors.New(`missing "=" (want KEY=VALUE)`)
			case c == '=':
				state = envPreValue
			default:
				p.key = append(p.key, c)
				if c != ' ' && c != '\t' {
					p.keyEnd = len(p.key)
				}
			}
		case envPreValue:
			switch {
			case newline:
				if err := p.push(); err != nil {
					return nil, err
				}
				state = envPreKey
			case c == '\'':
				state, p.quoted = envSingleQuoted, true
			case c == '"':
				state, p.quoted = envDoubleQuoted, true
			case c == ' ' || c == '\t':
				if p.quoted && i+1 < len(s) && !isBlankOrNewline(s[i+1]) {
					return nil, errors.New("unexpected text after the quoted value")
				}
			case c == '\\':
				state = envValueEscape
			default:
				state = envValue
				p.value = append(p.value, c)
				p.valueEnd = len(p.value)
			}
		case envValue:
			switch {
			case newline:
				p.value = p.value[:p.valueEnd]
				if err := p.push(); err != nil {
					return nil, err
				}
				state = envPreKey
			case c == '\\':
				state = envValueEscape
			default:
				p.value = append(p.value, c)
				if c != ' ' && c != '\t' {
					p.valueEnd = len(p.value)
				}
			}
		case envValueEscape:
			state = envValue
			if !newline {
				p.value = append(p.value, c)
				p.valueEnd = len(p.value) // an escaped blank is kept
			}
		case envSingleQuoted:
			if c == '\'' {
				state, p.valueEnd = envPreValue, len(p.value)
			} else {
				p.value = append(p.value, c)
			}
		case envDoubleQuoted:
			switch c {
			case '"':
				state, p.valueEnd = envPreValue, len(p.value)
			case '\\':
				state = envDoubleEscape
			default:
				p.value = append(p.value, c)
			}
		case envDoubleEscape:
			state = envDoubleQuoted
			switch {
			case strings.IndexByte("\"\\`$", c) >= 0:
				p.value = append(p.value, c)
			case c != '\n': // a backslash and a line end join the lines
				p.value = append(p.value, '\\', c)
			}
		case envComment:
			if newline {
				state = envPreKey
			}
		}
		if c == '\n' {
			p.line++
		}
	}
	switch state {
	case envKey:
		return nil, errors.New(`missing "=" (want KEY=VALUE)`)
	case envSingleQuoted:
		return nil, errors.New("unterminated single quote")
	case envDoubleQuoted, envDoubleEscape:
		return nil, errors.New("unterminated double quote")
	case envValue, envValueEscape:
		p.value = p.value[:p.valueEnd]
		fallthrough
	case envPreValue:
		if err := p.push(); err != nil {
			return nil, err
		}
	}
	return p.env, nil
}

// push checks the assignment parsed and adds it to the environment.
func (p *envFileParser) push() error {
	key := string(p.key[:p.keyEnd])
	if rest, ok := strings.CutPrefix(string(p.key), "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		key = strings.Trim(rest, " \t") // "export =1" names no variable
	}
	if !validEnvName(key) {
		return errors.New("invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)")
	}
	if bytes.IndexByte(p.value, 0) >= 0 {
		return errors.New("value contains a NUL byte")
	}
	p.env = append(p.env, key+"="+string(p.value))
	return nil
}

// isBlankOrNewline reports whether c is a blank or ends a line.
func isBlankOrNewline(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
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
