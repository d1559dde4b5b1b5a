package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

type reloadCmd struct{}

// Run asks superd to reload its configuration and prints what changed (see
// writeReload), or with --json the transport.ReloadResult. It fails (exit
// 1) when a file could not be loaded, and when the configuration directory
// could not be read at all (then superd changed nothing).
func (c *reloadCmd) Run(ctx context.Context, a *app) error {
	rctx, cancel := a.commandContext(ctx)
	defer cancel()
	res, err := a.client.Reload(rctx)
	if err != nil {
		return a.configRequestError("reload", err)
	}
	if a.json {
		err = writeJSON(a.stdout, res)
	} else {
		err = writeReload(a.stdout, res)
	}
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return exitStatus(exitError)
	}
	return nil
}

type checkCmd struct {
	Files   []string `arg:"" optional:"" name:"file" help:"Service files (or a superd.conf) to check here, without superd (default: superd checks its configuration directory)."`
	Verbose bool     `short:"v" help:"With FILE, also name the files that are valid."`
}

// Run validates service files and prints one "error: MESSAGE" line per
// problem (with --json: {"errors": [ConfigError...]}). It fails (exit 1)
// when a file is invalid.
//
// Without names, superd checks every file of its configuration directory,
// as the next reload would load them, and nothing is applied; when all are
// valid the command prints "configuration OK". With names, supers parses
// those files itself, so it needs no superd; a valid file prints nothing,
// or "ok: FILE" with -v. (EnvironmentFile= files are then read with the
// rights of the user running supers, not superd's.)
func (c *checkCmd) Run(ctx context.Context, a *app) error {
	if len(c.Files) > 0 {
		return a.checkFiles(c.Files, c.Verbose)
	}
	rctx, cancel := a.commandContext(ctx)
	defer cancel()
	errs, err := a.client.CheckConfig(rctx)
	if err != nil {
		return a.configRequestError("check", err)
	}
	errs = sortConfigErrors(errs)
	switch {
	case a.json:
		err = writeJSON(a.stdout, transport.ConfigErrors{Errors: errs})
	case len(errs) == 0:
		_, err = fmt.Fprintln(a.stdout, "configuration OK")
	default:
		err = writeErrorLines(a.stdout, errs)
	}
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return exitStatus(exitError)
	}
	return nil
}

// checkFiles parses each file with package config, in order, and reports
// its problems. A file named superd.conf is checked as superd's own
// configuration, and so is one not named *.service whose first section is
// [Daemon] or [Webhook "..."] (a candidate such as superd.conf.new); any
// other as a service file.
func (a *app) checkFiles(files []string, verbose bool) error {
	all := []transport.ConfigError{}
	var out strings.Builder
	for _, file := range files {
		var err error
		base := filepath.Base(file)
		fi, serr := os.Stat(file)
		if strings.HasPrefix(base, ".") && strings.HasSuffix(base, config.FileSuffix) {
			// Reported as a bad service name, it would look like an error
			// superd reports too; superd never reads it, file or not.
			hint := ""
			if name := strings.TrimLeft(base, "."); len(name) > len(config.FileSuffix) && (serr != nil || !fi.IsDir()) {
				hint = "; name it " + name + " to have it loaded"
			}
			err = fmt.Errorf("%s: superd ignores it: it skips the files whose name starts with a dot (editors' lock and backup files)%s", file, hint)
		} else if serr == nil && fi.IsDir() && strings.HasSuffix(base, config.FileSuffix) {
			// A *.service glob that matched a stray directory.
			err = fmt.Errorf("%s: is a directory, not a service file (in a config dir, superd refuses it: not a regular file)", file)
		} else if serr == nil && fi.IsDir() {
			// Parsed as a file, it would be reported as a bad file name.
			err = fmt.Errorf("%s: is a directory: name its files (%s), or check it whole with superd --check --config-dir %s",
				file, filepath.Join(file, "*"+config.FileSuffix), file)
		} else if isDaemonConf(file) {
			var d *config.Daemon
			if d, err = config.ParseDaemonDraft(file); err == nil {
				// Against this machine and the rules between its keys
				// too, as superd --check does: a group that does not
				// exist, a certificate that cannot be loaded, plain HTTP
				// on a non-loopback address would stop superd from
				// starting.
				err = d.CheckHost()
			}
		} else if _, err = config.ParseDraft(file); err == nil {
			a.warnNotUTF8(file)
		}
		if err == nil {
			if verbose {
				fmt.Fprintf(&out, "ok: %s\n", oneLine(file))
			}
			continue
		}
		errs := fileErrors(file, err)
		all = append(all, errs...)
		_ = writeErrorLines(&out, errs) // a strings.Builder does not fail
	}
	var err error
	if a.json {
		err = writeJSON(a.stdout, transport.ConfigErrors{Errors: all})
	} else {
		_, err = io.WriteString(a.stdout, out.String())
	}
	if err != nil {
		return err
	}
	if len(all) > 0 {
		return exitStatus(exitError)
	}
	return nil
}

// warnNotUTF8 warns on stderr if file, a valid service file, is not valid
// UTF-8: superd loads it from its config dir, but supers apply (its API)
// refuses it.
func (a *app) warnNotUTF8(file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		return // read whole by ParseDraft a moment ago
	}
	if line, ok := config.InvalidUTF8Line(data); ok {
		a.errorf("warning: %s:%d is not valid UTF-8: superd loads the file from its config dir, but supers apply refuses it", oneLine(file), line)
	}
}

// fileErrors turns the error of config.ParseDraft(file) into ConfigErrors,
// one per problem, as superd reports them.
func fileErrors(file string, err error) []transport.ConfigError {
	var list config.Errors
	if errors.As(err, &list) {
		out := make([]transport.ConfigError, 0, len(list))
		for _, e := range list {
			if e != nil {
				out = append(out, fileError(file, e))
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	var one *config.Error
	if errors.As(err, &one) {
		return []transport.ConfigError{fileError(file, one)}
	}
	return []transport.ConfigError{{File: file, Message: err.Error()}}
}

func fileError(file string, e *config.Error) transport.ConfigError {
	if e.File != "" {
		file = e.File
	}
	return transport.ConfigError{File: file, Line: e.Line, Message: e.Error()}
}

// configRequestError explains why a reload or check request failed. An
// older superd, without the route, answers 404; any other error, such as
// superd's own message when its configuration directory cannot be read,
// is reported as it is.
func (a *app) configRequestError(verb string, err error) error {
	var apiErr *transport.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && !apiErr.Foreign() {
		return fmt.Errorf("superd at %s does not support %s (is it older than supers?)", a.target, verb)
	}
	return err
}

// writeReload prints what a reload did, one line per kind of change, and
// leaves out the kinds that did not happen:
//
//	added: web, worker
//	removed: old
//	changed: api
//	webhooks: reloaded (superd.conf changed)
//	unchanged: 12 services
//	error: /etc/super/bad.service:3: [Service] Restrat: unknown key (did you mean Restart?)
//	warning: superd.conf: the [Daemon] settings changed since superd started; ...
//	warning: superd.conf is gone: its webhooks were removed: ops; ...
//
// When nothing was added, removed, changed, reloaded or failed, it prints the line
// "nothing to do (12 services unchanged)" instead, followed by the
// warnings. Warnings do not make the command fail.
func writeReload(w io.Writer, r transport.ReloadResult) error {
	var b strings.Builder
	if len(r.Added)+len(r.Removed)+len(r.Changed)+len(r.Errors) == 0 && !r.WebhooksReloaded {
		fmt.Fprintf(&b, "nothing to do (%s unchanged)\n", countServices(len(r.Unchanged)))
	} else {
		for _, kind := range []struct {
			label string
			names []string
		}{{"added", r.Added}, {"removed", r.Removed}, {"changed", r.Changed}} {
			if len(kind.names) > 0 {
				fmt.Fprintf(&b, "%s: %s\n", kind.label, joinNames(kind.names))
			}
		}
		if r.WebhooksReloaded {
			b.WriteString("webhooks: reloaded (superd.conf changed)\n")
		}
		if n := len(r.Unchanged); n > 0 {
			fmt.Fprintf(&b, "unchanged: %s\n", countServices(n))
		}
		_ = writeErrorLines(&b, sortConfigErrors(r.Errors)) // a strings.Builder does not fail
	}
	for _, warning := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", oneLine(warning))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeErrorLines prints "error: MESSAGE" for each error (the file name
// when it has no message); a message of several lines, one per problem,
// gives as many error lines.
func writeErrorLines(w io.Writer, errs []transport.ConfigError) error {
	var b strings.Builder
	for _, e := range errs {
		msg := cmp.Or(strings.TrimSpace(e.Message), e.File, "invalid configuration")
		for line := range strings.Lines(msg) {
			if line = strings.TrimSpace(line); line != "" {
				fmt.Fprintf(&b, "error: %s\n", oneLine(line))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// joinNames lists service names from superd on one line.
func joinNames(names []string) string {
	safe := make([]string, len(names))
	for i, n := range names {
		safe[i] = oneLine(n)
	}
	return strings.Join(safe, ", ")
}

// countServices renders n as "1 service" or "n services".
func countServices(n int) string {
	if n == 1 {
		return "1 service"
	}
	return fmt.Sprintf("%d services", n)
}

// isDaemonConf reports whether file is to be checked as superd.conf: it
// has that name, or it is not named *.service and its first section
// header, within its first 64 KiB, is [Daemon] or [Webhook ...].
func isDaemonConf(file string) bool {
	base := filepath.Base(file)
	if base == config.DaemonFile {
		return true
	}
	if strings.HasSuffix(base, config.FileSuffix) {
		return false
	}
	f, err := os.Open(file)
	if err != nil {
		return false // checked as a service file, which reports the error
	}
	defer f.Close()
	head, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	for line := range strings.Lines(string(head)) {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\uFEFF"))
		if strings.HasPrefix(line, "[") {
			return line == "[Daemon]" || strings.HasPrefix(line, "[Webhook ") || strings.HasPrefix(line, "[Webhook\"")
		}
	}
	return false
}
