package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors, reachable with errors.Is through an *Error (and through
// Errors, which unwraps to all its members).
var (
	// ErrSyntax marks a line that is neither blank, a comment, a section
	// header nor a KEY=VALUE assignment, or a key outside of any section.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownSection marks a section header this package does not know.
	ErrUnknownSection = errors.New("unknown section")
	// ErrUnknownKey marks a key its section does not know.
	ErrUnknownKey = errors.New("unknown key")
	// ErrDuplicateKey marks a second assignment to a key that takes one value.
	ErrDuplicateKey = errors.New("duplicate key")
	// ErrMissingKey marks a required key that is absent.
	ErrMissingKey = errors.New("required key is missing")
	// ErrInvalidValue marks a value that does not parse or is out of range.
	ErrInvalidValue = errors.New("invalid value")
	// ErrInvalidName marks a service or webhook name that does not match
	// NamePattern.
	ErrInvalidName = errors.New("invalid service name")
	// ErrDuplicateSection marks a second section that may appear only once
	// ([Daemon], or [Webhook "NAME"] with the same NAME).
	ErrDuplicateSection = errors.New("duplicate section")
)

// Error is one problem in a service definition. Its text has the form
//
//	foo.service:12: [Service] ExecStrat: unknown key (did you mean ExecStart?)
//
// where the parts that are unknown (zero) are left out.
type Error struct {
	// File is the path of the service file ("" for a service built in Go).
	File string
	// Line is the 1-based line of the problem, 0 when it concerns no single
	// line (a missing key, an invalid file name).
	Line int
	// Section and Key name the setting concerned, when there is one.
	Section, Key string
	// Err is the problem; it wraps one of the sentinel errors of this
	// package, or an I/O error (an unreadable EnvironmentFile).
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	file := shownPath(e.File)
	switch {
	case e.File != "" && e.Line > 0:
		b.WriteString(file + ":" + strconv.Itoa(e.Line) + ": ")
	case e.File != "":
		b.WriteString(file + ": ")
	case e.Line > 0:
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	switch {
	case e.Section != "" && e.Key != "":
		b.WriteString("[" + e.Section + "] " + e.Key + ": ")
	case e.Section != "":
		b.WriteString("[" + e.Section + "]: ")
	case e.Key != "":
		b.WriteString(e.Key + ": ")
	}
	if e.Err == nil {
		b.WriteString("invalid configuration")
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// Errors is a list of problems, in the order of the lines they concern
// (problems without a line come last). Parse returns it when it finds more
// than one problem in a file.
type Errors []*Error

// Error implements error: one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the members, so that errors.Is and errors.As look at each.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// maxErrors bounds the problems reported for one service definition.
const maxErrors = 50

// errTooMany ends an error list that was cut at maxErrors.
var errTooMany = fmt.Errorf("too many errors (only the first %d are shown)", maxErrors)

// errorList collects the problems found in one service definition.
type errorList struct {
	file      string
	errs      Errors
	truncated bool
}

// add records a problem; err must not be nil. Past maxErrors it only notes
// that the list is truncated.
func (l *errorList) add(line int, section, key string, err error) {
	if l.full() {
		l.truncated = true
		return
	}
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Section: section, Key: key, Err: err})
}

// full reports whether the list holds maxErrors problems: looking for more
// is a waste of time.
func (l *errorList) full() bool { return len(l.errs) >= maxErrors }

// stop is the guard of a loop that looks for problems in what is left of
// its input: it reports whether the list is full and, if so, marks it
// truncated, since what the loop leaves unread may hold more.
func (l *errorList) stop() bool {
	if l.full() {
		l.truncated = true
		return true
	}
	return false
}

// err returns nil, the single *Error, or the Errors sorted by line, those
// without a line last.
func (l *errorList) err() error {
	errs := slices.Clone(l.errs)
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Compare(uint(a.Line-1), uint(b.Line-1)) // Line 0 becomes the largest
	})
	if l.truncated {
		errs = append(errs, &Error{File: l.file, Err: errTooMany})
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	default:
		return errs
	}
}

// shownPath is path as an error shows it: as it is, or quoted (Go syntax)
// if it holds a control character or is not valid UTF-8, so that a file
// named with a newline cannot make one error look like two.
func shownPath(path string) string {
	for _, r := range path {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return strconv.Quote(path)
		}
	}
	return path
}
