package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

type catCmd struct {
	Name string `arg:"" name:"name" help:"The service."`
}

// Run prints the service file exactly as superd has it on disk, or with
// --json the transport.Definition (with its path on superd's machine and
// its hash, for rm --if-match). A service without a file exits 4.
func (c *catCmd) Run(ctx context.Context, a *app) error {
	if err := checkNames("cat", c.Name); err != nil {
		return err
	}
	rctx, cancel := a.withTimeout(ctx)
	defer cancel()
	d, err := a.client.Definition(rctx, c.Name)
	if err != nil {
		return a.serviceError("cat", c.Name, err)
	}
	if a.json {
		return writeJSON(a.stdout, d)
	}
	_, err = io.WriteString(a.stdout, d.Text)
	return err
}

type applyCmd struct {
	Files []string `arg:"" name:"file" help:"Service files to send, each named NAME.service."`
}

// Run sends each file, in order, as the definition of the service its
// name names, and prints what superd did: "NAME: created", "NAME: updated"
// (the configuration changed: restarted if it ran) or "NAME: unchanged"
// (the configuration is the same), each followed by
// a line "warning: ..." for what would make its start fail on this machine
// now (a missing program, say: superd does not refuse it); with --json a
// JSON array of the transport.DefinitionResult of each file applied. A
// file written whose service superd could not create (its log directory
// refused, say) is "NAME: not created (its file is written)", with why on
// stderr, and makes the command exit 1.
//
// A file whose name names no valid service ("x y.service") is a usage
// error, as a malformed name given to any command, found before any file
// is sent. A file that cannot be sent, or that superd finds invalid, is
// reported on stderr (an invalid one with its problems, one a line, naming
// the local file) and the others are still sent; the command then exits
// 1. It stops at once only when superd cannot be reached or refuses the
// token.
func (c *applyCmd) Run(ctx context.Context, a *app) error {
	for _, file := range c.Files {
		if name, ok := strings.CutSuffix(filepath.Base(file), config.FileSuffix); ok {
			if err := config.ValidateName(name); err != nil {
				return &usageError{command: "apply", msg: "apply " + oneLine(file) + ": " + err.Error()}
			}
		}
	}
	failed := false
	results := make([]transport.DefinitionResult, 0, len(c.Files))
	for _, file := range c.Files {
		res, err := a.apply(ctx, file)
		var invalid *invalidFileError
		switch {
		case err == nil:
			results = append(results, res)
			if !a.json {
				if err := writeDefinitionResult(a.stdout, res); err != nil {
					return err
				}
			}
			continue
		case errors.Is(err, transport.ErrNotCreated) && res.Hash != "":
			// Written, but its service is missing: said as a result,
			// and as a failure.
			results = append(results, res)
			if !a.json {
				if err := writeDefinitionResult(a.stdout, res); err != nil {
					return err
				}
			}
			a.errorf("apply %s: %s", oneLine(file), oneLine(err.Error()))
		case isFatal(err):
			if a.json && len(results) > 0 {
				_ = writeJSON(a.stdout, results)
			}
			return err
		case errors.As(err, &invalid):
			writeInvalid(a.stderr, "apply "+oneLine(file), invalid.file, 0, invalid.errs)
		default:
			a.errorf("apply %s: %s", oneLine(file), a.describe(err))
		}
		failed = true
	}
	if a.json {
		if err := writeJSON(a.stdout, results); err != nil {
			return err
		}
	}
	if failed {
		return exitStatus(exitError)
	}
	return nil
}

// invalidFileError is a file superd found invalid.
type invalidFileError struct {
	file string
	errs []transport.ConfigError
}

func (e *invalidFileError) Error() string {
	return fmt.Sprintf("%s: invalid definition (%d problem(s))", e.file, len(e.errs))
}

// apply sends one file to superd. An invalid definition is an
// *invalidFileError.
func (a *app) apply(ctx context.Context, file string) (transport.DefinitionResult, error) {
	name, ok := strings.CutSuffix(filepath.Base(file), config.FileSuffix)
	if !ok {
		return transport.DefinitionResult{}, fmt.Errorf("the file name must be NAME%s", config.FileSuffix)
	}
	if err := config.ValidateName(name); err != nil {
		return transport.DefinitionResult{}, err
	}
	data, err := config.ReadFile(file)
	if err != nil {
		return transport.DefinitionResult{}, err
	}
	rctx, cancel := a.commandContext(ctx)
	defer cancel()
	res, err := a.client.PutDefinition(rctx, name, data, "")
	if errs := definitionErrors(err); len(errs) > 0 {
		return res, &invalidFileError{file: file, errs: errs}
	}
	if res.Name == "" {
		res.Name = name
	}
	return res, err
}

// definitionErrors returns the problems of an invalid definition when err
// is superd's answer to one, else nil.
func definitionErrors(err error) []transport.ConfigError {
	var apiErr *transport.APIError
	if errors.As(err, &apiErr) && errors.Is(err, transport.ErrInvalidArgument) {
		return apiErr.Errors
	}
	return nil
}

// writeInvalid reports on w that what (e.g. "apply ./web.service") was
// refused as invalid, then each problem on its own indented line, naming
// path as the file and shifting line numbers by offset (see
// localMessage). It is output on stderr, so write errors are ignored.
func writeInvalid(w io.Writer, what, path string, offset int, errs []transport.ConfigError) {
	fmt.Fprintf(w, "supers: %s: invalid definition, not applied:\n", what)
	for _, e := range sortConfigErrors(errs) {
		fmt.Fprintf(w, "  %s\n", oneLine(localMessage(e, path, offset)))
	}
}

// localMessage returns e's message with superd's path of the file (which
// the message starts with) replaced by path, the file the user knows, and
// its line number increased by offset, the lines the user's copy has
// before the definition. A message that does not start with e.File is
// returned as it is.
func localMessage(e transport.ConfigError, path string, offset int) string {
	msg := cmp.Or(strings.TrimSpace(e.Message), e.File, "invalid configuration")
	rest, ok := strings.CutPrefix(msg, e.File)
	if e.File == "" || !ok {
		return msg
	}
	if e.Line > 0 {
		if after, ok := strings.CutPrefix(rest, ":"+strconv.Itoa(e.Line)+":"); ok {
			return path + ":" + strconv.Itoa(e.Line+offset) + ":" + after
		}
	}
	return path + rest
}

type rmCmd struct {
	Names []string `arg:"" name:"name" help:"Services to remove."`
	// IfMatch is nil when --if-match is not given: given empty (a
	// wrapper's unset variable), it is refused, not taken for no condition.
	IfMatch *string `name:"if-match" placeholder:"HASH" help:"Only remove the service if its file still has this hash (from \"supers --json cat\", or the API's ETag, quoted); a single NAME only."`
}

// Run deletes each named service's definition in turn: superd stops and
// forgets the service and moves its file to its trash, and supers prints
// "NAME: deleted (moved to TRASH)" (moving the file back and running
// "supers reload" undoes it), or "NAME: deleted (its file was already
// gone)" for a service whose file was removed by hand; with --json a JSON
// array of the transport.DefinitionResult of each deletion.
//
// Failures are reported on stderr and the other names still tried; the
// exit code is 4 for an unknown service, 1 for another failure (such as
// --if-match not matching), the highest applying. It stops at once only
// when superd cannot be reached or refuses the token.
func (c *rmCmd) Run(ctx context.Context, a *app) error {
	if err := checkNames("rm", c.Names...); err != nil {
		return err
	}
	names := onceEach(c.Names) // a second removal would find no file
	var ifMatch string
	if c.IfMatch != nil {
		// The hash as supers --json cat prints it, or quoted as the API's
		// ETag has it: both are taken.
		ifMatch = strings.TrimSpace(*c.IfMatch)
		quoted := len(ifMatch) >= 2 && ifMatch[0] == '"' && ifMatch[len(ifMatch)-1] == '"'
		if quoted {
			ifMatch = ifMatch[1 : len(ifMatch)-1]
		}
		switch {
		case ifMatch == "":
			return &usageError{command: "rm", msg: "--if-match: empty hash (was its variable unset?)"}
		case strings.ContainsAny(ifMatch, "\" ,") || strings.HasPrefix(ifMatch, "W/") || quoted && ifMatch == "*":
			// A quoted "*" is a tag, not the wildcard: unquoted, it would
			// become the wildcard (any file) that superd refuses it as.
			return &usageError{command: "rm", msg: fmt.Sprintf("--if-match: %q is not a hash (give one, as supers --json cat prints it)", *c.IfMatch)}
		}
		if len(names) > 1 {
			return &usageError{command: "rm", msg: "--if-match takes a single NAME"}
		}
	}
	code := exitOK
	results := make([]transport.DefinitionResult, 0, len(names))
	for _, name := range names {
		rctx, cancel := a.commandContext(ctx)
		res, err := a.client.DeleteDefinition(rctx, name, ifMatch)
		cancel()
		if err != nil {
			if isFatal(err) {
				if a.json && len(results) > 0 {
					_ = writeJSON(a.stdout, results)
				}
				return err
			}
			var status exitStatus
			if errors.As(a.serviceError("rm", name, err), &status) {
				code = max(code, int(status))
			}
			continue
		}
		if res.Name == "" {
			res.Name = name
		}
		results = append(results, res)
		if !a.json {
			where := "moved to " + oneLine(res.Trash)
			if res.Trash == "" {
				where = "its file was already gone"
			}
			if _, err := fmt.Fprintf(a.stdout, "%s: deleted (%s)\n", oneLine(res.Name), where); err != nil {
				return err
			}
		}
	}
	if a.json {
		if err := writeJSON(a.stdout, results); err != nil {
			return err
		}
	}
	if code != exitOK {
		return exitStatus(code)
	}
	return nil
}

// writeDefinitionResult prints what superd did with a definition written,
// "NAME: created" ("NAME: not created (its file is written)" for
// transport.ActionNotCreated), then a line "warning: ..." for each of its warnings
// (what would make the service's start fail on the machine now).
func writeDefinitionResult(w io.Writer, res transport.DefinitionResult) error {
	var b strings.Builder
	action := oneLine(res.Action)
	if res.Action == transport.ActionNotCreated {
		action = "not created (its file is written)"
	}
	fmt.Fprintf(&b, "%s: %s\n", oneLine(res.Name), action)
	for _, warning := range res.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", oneLine(warning))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
