package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The scanner walks the raw text of a service file line by line, the way
// gopkg.in/ini.v1 does, to do what ini.v1 cannot:
//
//   - know the line of every assignment (ini.v1 keeps none);
//   - reject what ini.v1 would silently accept or misread: keys outside of
//     any section, lines without "=", odd key names, unknown sections and
//     keys, and values starting with ` or """ (which ini.v1 reads as quoted
//     strings that may span lines);
//   - tell which values are empty (ini.v1 drops empty repeated values);
//   - bound the size of values (ini.v1 joins continuation lines in
//     quadratic time).
//
// It hands ini.v1 a cleaned copy of the text that holds only the headers of
// the known sections and their valid assignments, each on one line (the
// scanner joins continuation lines, as systemd does), so ini.v1 never sees
// input it could misparse, and the Nth value ini.v1 returns for a key is the
// Nth assignment the scanner found for it.

// assignment is one KEY=VALUE of a known key in a known section.
type assignment struct {
	line    int // 1-based line of "KEY="
	section string
	key     string
	// empty says the value, once continuation lines are joined and spaces
	// trimmed, is empty.
	empty bool
	// value is filled in from ini.v1.
	value string
}

// scanState is what the scanner knows about the current section.
type scanState int

const (
	outside  scanState = iota // before the first section header
	inKnown                   // in a known section
	skipping                  // in an X- section or a bad one (already reported)
)

// header is the header of a known section.
type header struct {
	line int // 1-based line of the header
	// section is the canonical name of the section, as in errors and in the
	// text given to ini.v1: "Daemon", `Webhook "hook"`.
	section string
	spec    *sectionSpec
	sub     string // the sub-name of a named section
}

// scanned is what the scanner found.
type scanned struct {
	// assignments are those of known keys, in file order.
	assignments []assignment
	// headers are those of the known sections, in file order; a repeated
	// section is listed once.
	headers []header
	// clean is the cleaned text for ini.v1.
	clean []byte
	// refused holds the {section, key} of the assignments of known keys
	// the scanner refused (their errors are reported): such a key is
	// there, not missing.
	refused map[[2]string]bool
}

// maxShownKey is the length past which a sensitive file does not show an
// unknown key name: no key is that long, so it may be a misplaced secret.
const maxShownKey = 32

// maxKeyLen is the length past which an unknown key name is shown
// shortened in its error, as a long value is (quoteValue); no known key is
// half as long.
const maxKeyLen = 64

// shownKey is key as an error shows it: whole, or its start and its length
// if longer than maxKeyLen.
func shownKey(key string) string {
	if len(key) <= maxKeyLen {
		return key
	}
	// A valid or known key name is ASCII; an invalid one is quoted by
	// quoteValue instead.
	return fmt.Sprintf("%s... (%d characters)", key[:maxKeyLen], len(key))
}

// scan scans data, a file of the kind sc describes, and records every
// structural problem in el.
func scan(data []byte, el *errorList, sc *schema) scanned {
	lines := strings.Split(strings.TrimPrefix(string(data), "\uFEFF"), "\n")
	var (
		out     strings.Builder
		res     scanned
		section string       // canonical name of the current section
		spec    *sectionSpec // the current section, when known
		state   = outside
		seen    = make(map[string]int) // canonical section name -> line of its first header
	)
	for i := 0; i < len(lines) && !el.stop(); i++ {
		lineNo := i + 1
		text := strings.TrimLeftFunc(lines[i], unicode.IsSpace)
		if text == "" || isComment(text) {
			continue
		}
		if text[0] == '[' {
			state, spec, section = skipping, nil, ""
			name, err := sectionName(text, !sc.sensitive)
			if err != nil {
				el.add(lineNo, "", "", fmt.Errorf("%w: %w", ErrSyntax, err))
				continue
			}
			section = name
			if isExtension(name) {
				continue
			}
			h, err := sc.header(name)
			switch {
			case err != nil && sc.sensitive && slices.ContainsFunc(strings.Fields(name), func(w string) bool { return len(w) > maxShownKey }):
				// A word too long for a typo of a known section: it
				// may be a misplaced secret.
				el.add(lineNo, "", "", fmt.Errorf("%w (a %d-character name, not shown)", ErrUnknownSection, len(name)))
				continue
			case err != nil:
				el.add(lineNo, name, "", err)
				continue
			}
			first, dup := seen[h.section]
			switch {
			case dup && (h.spec.unique || h.spec.named):
				el.add(lineNo, h.section, "", fmt.Errorf("%w (first on line %d)", ErrDuplicateSection, first))
				continue
			case !dup:
				seen[h.section] = lineNo
				h.line = lineNo
				res.headers = append(res.headers, h)
			}
			state, spec, section = inKnown, h.spec, h.section
			out.WriteString("[" + h.section + "]\n")
			continue
		}

		key, value, hasEq := strings.Cut(text, "=")
		key = strings.TrimSpace(key)
		cont := continuation(lines, i, value, sc.setsKey)
		switch {
		case state == skipping && isExtension(section):
			// As systemd does, every line of an X- section is ignored,
			// key=value or not: it holds another tool's notes.
		case hasEq && isExtension(key) && state != outside:
			// Another tool's key: its name need not be one of ours.
		case !hasEq && sc.sensitive:
			el.add(lineNo, sectionIf(state, section), "", fmt.Errorf(`%w: missing "="`, ErrSyntax))
		case !hasEq:
			el.add(lineNo, sectionIf(state, section), "",
				fmt.Errorf(`%w: missing "=" in %s`, ErrSyntax, quoteValue(strings.TrimSpace(text))))
		case !validKeyName(key) && sc.sensitive:
			el.add(lineNo, sectionIf(state, section), "", fmt.Errorf("%w: invalid key name", ErrSyntax))
		case !validKeyName(key):
			el.add(lineNo, sectionIf(state, section), "",
				fmt.Errorf("%w: invalid key name %s", ErrSyntax, quoteValue(key)))
		case sc.sensitive && len(key) > maxShownKey && sc.sectionOf(key) == "" && !isExtension(key) &&
			(state == outside || state == inKnown && !spec.isKnownKey(key)):
			el.add(lineNo, sectionIf(state, section), "",
				fmt.Errorf("%w (a %d-character name, not shown)", ErrUnknownKey, len(key)))
		case state == outside:
			hint := ""
			if s := sc.sectionOf(key); s != "" {
				hint = " (it belongs in [" + s + "])"
			}
			el.add(lineNo, "", shownKey(key), fmt.Errorf("%w: key outside of any section%s", ErrSyntax, hint))
		case state == skipping || isExtension(key):
		case !spec.isKnownKey(key) && len(key) > maxKeyLen:
			el.add(lineNo, section, shownKey(key), ErrUnknownKey)
		case !spec.isKnownKey(key):
			el.add(lineNo, section, key, fmt.Errorf("%w%s", ErrUnknownKey, sc.keyHint(spec, key)))
		case cont.into > 0:
			res.refuse(section, key)
			el.add(lineNo, section, key, sc.continuedInto(lines, cont))
		case startsMultilineQuote(value) || startsMultilineQuote(joinValue(lines, i, cont.last, value)):
			// ini.v1 would read it as a quoted value, on one line as on
			// the first of a continuation ("ExecStart=\" then "`a` b").
			res.refuse(section, key)
			el.add(lineNo, section, key, fmt.Errorf("%w: a value must not start with ` or \"\"\"", ErrInvalidValue))
		case cont.length > maxValueLen:
			res.refuse(section, key)
			el.add(lineNo, section, key, fmt.Errorf("%w: longer than %d bytes", ErrInvalidValue, maxValueLen))
		case cont.last-i >= maxValueLines:
			res.refuse(section, key)
			el.add(lineNo, section, key, fmt.Errorf("%w: continued over more than %d lines", ErrInvalidValue, maxValueLines))
		default:
			res.assignments = append(res.assignments, assignment{line: lineNo, section: section, key: key, empty: cont.length == 0})
			// One line for ini.v1, continuation lines joined here: as
			// systemd does, not as ini.v1 would (see joinValue).
			out.WriteString(key)
			out.WriteByte('=')
			out.WriteString(joinValue(lines, i, cont.last, value))
			out.WriteByte('\n')
		}
		i = cont.last
	}
	res.clean = []byte(out.String())
	return res
}

// checkEncoding refuses a file that starts with a UTF-16 byte order mark
// (as an editor that saves "Unicode" writes it; little-endian UTF-32's
// starts the same):
// read as UTF-8, each of its lines would be a syntax error quoting NUL
// bytes, which says nothing of the remedy.
func checkEncoding(data []byte) error {
	if len(data) >= 2 && (data[0] == 0xff && data[1] == 0xfe || data[0] == 0xfe && data[1] == 0xff) {
		return fmt.Errorf("%w: the file is encoded in UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8", ErrSyntax)
	}
	return nil
}

// refuse records that the assignment of key in section was refused.
func (r *scanned) refuse(section, key string) {
	if r.refused == nil {
		r.refused = make(map[[2]string]bool)
	}
	r.refused[[2]string{section, key}] = true
}

// header parses the name of a section header that is not an extension.
// The error wraps ErrUnknownSection, ErrSyntax or ErrInvalidName.
func (sc *schema) header(name string) (header, error) {
	head, rest := name, ""
	if i := strings.IndexAny(name, " \t"); i >= 0 {
		head, rest = name[:i], strings.TrimSpace(name[i:])
	}
	spec := sc.spec(head)
	switch {
	case spec == nil || !spec.named && name != head && !strings.HasPrefix(rest, `"`):
		return header{}, fmt.Errorf("%w%s", ErrUnknownSection, sc.sectionHint(head, rest))
	case !spec.named && name != head:
		return header{}, fmt.Errorf("%w: [%s] takes no name", ErrSyntax, head)
	case !spec.named:
		return header{section: name, spec: spec}, nil
	case rest == "":
		return header{}, fmt.Errorf("%w: a [%s] section needs a name: [%s]", ErrSyntax, head, spec.display())
	}
	sub, quoted := strings.CutPrefix(rest, `"`)
	sub, closed := strings.CutSuffix(sub, `"`)
	if !quoted || !closed || strings.Contains(sub, `"`) {
		return header{}, fmt.Errorf("%w: expected [%s]", ErrSyntax, spec.display())
	}
	if problem := nameProblem(sub); problem != "" {
		return header{}, &nameError{kind: strings.ToLower(head), name: sub, problem: problem}
	}
	return header{section: head + ` "` + sub + `"`, spec: spec, sub: sub}, nil
}

// isComment reports whether a line, its leading spaces trimmed, is a
// comment.
func isComment(text string) bool { return text != "" && (text[0] == '#' || text[0] == ';') }

// sectionIf returns section when the scanner is in a known section.
func sectionIf(state scanState, section string) string {
	if state == inKnown {
		return section
	}
	return ""
}

// sectionName parses a section header line (starting with "["). Its
// errors quote the line if show is true: a sensitive file's line may hold
// a secret (a webhook written on one line).
func sectionName(text string, show bool) (string, error) {
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	line := ""
	if show {
		line = " " + quoteValue(text)
	}
	if !strings.HasSuffix(text, "]") {
		if strings.Contains(text, "]") {
			return "", fmt.Errorf("unexpected text after section header%s", line)
		}
		return "", fmt.Errorf("unclosed section header%s", line)
	}
	name := text[1 : len(text)-1]
	if name == "" {
		return "", errors.New("empty section name")
	}
	return name, nil
}

// validKeyName reports whether key is [A-Za-z][A-Za-z0-9_-]*.
func validKeyName(key string) bool {
	if key == "" || !isLetter(key[0]) {
		return false
	}
	for i := 1; i < len(key); i++ {
		if c := key[i]; !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// startsMultilineQuote reports whether ini.v1 would read value as a ` or """
// quoted string.
func startsMultilineQuote(value string) bool {
	v := strings.TrimLeftFunc(value, unicode.IsSpace)
	return strings.HasPrefix(v, "`") || strings.HasPrefix(v, `"""`)
}

// Limits on one value. They keep the work of ini.v1, which joins
// continuation lines in quadratic time, small.
const (
	maxValueLen   = 64 << 10 // bytes, once continuation lines are joined
	maxValueLines = 256      // lines of one assignment
)

// extent is where an assignment ends and how long its value is.
type extent struct {
	last   int // index of the last line of the assignment
	length int // length of the value, continuation lines joined
	// into is the index of the line the value would continue on, had it
	// not been a section header or looked like an assignment (see
	// schema.setsKey), else 0; the
	// value then ends on the line before (last).
	into int
}

// setsKey reports whether line (trimmed), on which a value would continue,
// is a section header or looks like an assignment a trailing backslash
// would swallow: in a service file, one of a key the file kind knows or
// explains (a swallowed User= would not apply, and the service run as
// root); in a sensitive file, any line with "=" (a swallowed Secret=, URL=
// or secret would be shown in the error of the value it joined, since no
// value there holds a "=" on a line of its own).
func (sc *schema) setsKey(line string) bool {
	if sc.isHeader(line) {
		// A section header: swallowed, it would put the keys after it in
		// the section before (or vanish into an ExecStart= argument).
		return true
	}
	key, _, ok := strings.Cut(line, "=")
	if !ok {
		return false
	}
	if sc.sensitive {
		return true
	}
	key = strings.TrimSpace(key)
	_, noted := sc.keyNotes[key]
	return noted || sc.sectionOf(key) != ""
}

// isHeader reports whether line (trimmed) is the header of a section the
// file kind knows, or of an X- section. Another line that starts with "["
// (a shell test "[ -f FILE ] &&", an IPv6 host "[fd00::1]") goes on a
// continued value, as in systemd.
func (sc *schema) isHeader(line string) bool {
	if !strings.HasPrefix(line, "[") {
		return false
	}
	name, err := sectionName(line, false)
	if err != nil {
		return false
	}
	if isExtension(name) {
		return true
	}
	_, err = sc.header(name)
	return err == nil
}

// continuedInto is the error of a value that would continue on the line
// cont.into, a section header or an assignment (see setsKey). In a
// sensitive file it names neither the key nor anything of the line.
func (sc *schema) continuedInto(lines []string, cont extent) error {
	what := "that line looks like an assignment"
	switch next := strings.TrimSpace(lines[cont.into]); {
	case sc.isHeader(next):
		what = "that line is a section header"
	case !sc.sensitive:
		key, _, _ := strings.Cut(next, "=")
		what = "that line sets " + strings.TrimSpace(key) + "="
	}
	return fmt.Errorf("%w: the value ends with a backslash, which would continue it on line %d, but %s: remove the backslash (or quote what the value goes on with)",
		ErrSyntax, cont.into+1, what)
}

// continuation follows the continuation lines of the assignment on
// lines[i], whose text after "=" is value, as systemd does: a value whose
// last non-space character is a backslash, not itself escaped (see
// continued), continues on the next line; the
// backslash becomes a space and the next line, trimmed, is appended (see
// joinValue); a blank line (which is consumed), a line that does not end
// with a backslash or the end of the file ends it. The length counts
// neither the backslashes nor the spaces that replace them. As in systemd, comment lines in between are skipped
// (the scanner leaves them out of the text it gives ini.v1): the value goes
// on with the line after them. Unlike systemd, a line for which
// assignment (trimmed) is true is not swallowed: the value ends before it,
// and into says where it is, for the scanner to refuse the value and read
// that line as an assignment of its own.
func continuation(lines []string, i int, value string, assignment func(string) bool) extent {
	v := strings.TrimSpace(value)
	if v == "" || startsMultilineQuote(value) || !continued(v) {
		return extent{last: i, length: len(v)}
	}
	e := extent{last: i, length: len(v) - 1}
	for j := i + 1; j < len(lines); j++ {
		next := strings.TrimSpace(lines[j])
		if next != "" && !isComment(next) && assignment(next) {
			e.into = j
			break
		}
		e.last = j
		if next == "" {
			break
		}
		if isComment(next) {
			continue
		}
		if !continued(next) {
			e.length += len(next)
			break
		}
		e.length += len(next) - 1
	}
	return e
}

// continued reports whether line (trimmed) continues on the next one: it
// ends with a backslash that is not itself escaped, that is with an odd
// number of them, as in systemd. "C:\\" is the word C:\ and ends there:
// taking it for a continuation would swallow the next line (a User= that
// would then not apply).
func continued(line string) bool {
	n := len(line) - len(strings.TrimRight(line, `\`))
	return n%2 == 1
}

// joinValue returns the value of the assignment on lines[i], whose text
// after "=" is value, joined with its continuation lines up to lines[last]
// as systemd joins them: each line trimmed, comment lines skipped, and a
// final backslash replaced by a space, so that "--a\" followed by "--b" is
// "--a --b" (ini.v1 would drop the backslash: "--a--b").
func joinValue(lines []string, i, last int, value string) string {
	v := strings.TrimSpace(value)
	if startsMultilineQuote(value) {
		return v // refused before it is used
	}
	var b strings.Builder
	for j := i; ; {
		if !continued(v) {
			b.WriteString(v)
			break
		}
		b.WriteString(v[:len(v)-1])
		b.WriteByte(' ')
		if j++; j > last {
			break
		}
		for v = strings.TrimSpace(lines[j]); isComment(v) && j < last; v = strings.TrimSpace(lines[j]) {
			j++
		}
		if isComment(v) {
			break
		}
	}
	return strings.TrimSpace(b.String())
}

// quoteValue quotes s for an error message, shortening it if it is long.
func quoteValue(s string) string {
	const maxLen = 80
	if len(s) <= maxLen {
		return fmt.Sprintf("%q", s)
	}
	cut := maxLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", s[:cut])
}
