package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/kballard/go-shellquote"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

type editCmd struct {
	Name string `arg:"" name:"name" help:"The service (it must have a file: \"supers apply\" creates one)."`
}

// editMarker starts the comment lines edit adds at the top of the file to
// explain why superd refused it; they are removed before the file is sent
// again. Editors may trim the space after it.
const editMarker = "# supers-edit:"

// Run edits the service file the way "kubectl edit" does: it fetches the
// definition, writes it to NAME.service in a new private temporary
// directory and runs the editor on it ($VISUAL, else $EDITOR, else vi;
// the variable may hold arguments, split as sh would). Once the editor
// exits:
//
//   - with a non-zero status: nothing is saved; exit 1;
//   - without a change: "edit cancelled, no changes made"; exit 0;
//   - else supers sends the new text with the hash of the version it
//     fetched (If-Match), so that nobody else's change is overwritten, and
//     prints "NAME: updated" (or "unchanged" when the configuration is the
//     same); if superd saved it but could not create the service (its log
//     directory refused, say), "NAME: not created (its file is written)",
//     why on stderr, and exit 1.
//
// If superd finds the new text invalid, supers puts the problems as
// "# supers-edit:" comments at the top of the file and runs the editor
// again; those lines are removed before the next try. Saving the file
// without a change to the definition itself (those lines aside) then gives
// up, listing the problems (exit 1). When superd refuses the text
// for another reason, such as someone else changing the definition
// meanwhile (HTTP 412), or the editor fails after changes were made, the
// edited file is kept and its path printed (exit 1); so it is when the
// answer does not come or does not say that superd refused the text (a
// timeout, superd stopping, a 5xx): supers then says that superd may have
// saved it. Otherwise the temporary directory is removed.
//
// A service without a file exits 4: "supers apply" creates one. One whose
// file superd would not replace (a symbolic link, a file of several
// names) exits 1 before the editor runs.
func (c *editCmd) Run(ctx context.Context, a *app) error {
	if err := checkNames("edit", c.Name); err != nil {
		return err
	}
	argv, err := a.editorCommand()
	if err != nil {
		return err
	}
	rctx, cancel := a.withTimeout(ctx)
	d, err := a.client.Definition(rctx, c.Name)
	cancel()
	if err != nil {
		return a.serviceError("edit", c.Name, err)
	}
	if d.Unwritable != "" {
		// Said now, not once the user has edited it all.
		return fmt.Errorf("edit %s: superd would not save it: %s", c.Name, d.Unwritable)
	}
	dir, err := os.MkdirTemp("", "supers-edit-") // mode 0700
	if err != nil {
		return fmt.Errorf("edit %s: %w", c.Name, err)
	}
	s := &editSession{app: a, name: c.Name, editor: argv, file: filepath.Join(dir, c.Name+config.FileSuffix), orig: d}
	keep, err := s.run(ctx)
	if keep {
		a.errorf("your version of %s is kept in %s", c.Name, s.file)
	} else if rmErr := os.RemoveAll(dir); rmErr != nil {
		a.errorf("removing %s: %s", dir, oneLine(rmErr.Error()))
	}
	return err
}

// editorCommand returns the editor's command line, split as sh would:
// $VISUAL, else $EDITOR, else defaultEditor.
func (a *app) editorCommand() ([]string, error) {
	for _, env := range []string{"VISUAL", "EDITOR"} {
		v := strings.TrimSpace(a.getenv(env))
		if v == "" {
			continue
		}
		argv, err := shellquote.Split(v)
		if err != nil {
			return nil, fmt.Errorf("$%s: %w", env, err)
		}
		if len(argv) > 0 {
			return argv, nil
		}
	}
	return []string{defaultEditor}, nil
}

// editSession is one run of edit, from the editor's first start to the
// definition saved or given up.
type editSession struct {
	app    *app
	name   string
	editor []string // the editor's command line, without the file
	file   string   // the file being edited
	orig   transport.Definition
}

// run writes the file, then runs the editor and sends what it saved until
// superd takes it, the user gives up or something fails. It returns
// whether the file holds changes that were not saved and must be kept;
// errors other than an exitStatus are reported by run's caller.
func (s *editSession) run(ctx context.Context) (keep bool, err error) {
	a := s.app
	shown := s.orig.Text                 // the file's content before the editor runs
	var problems []transport.ConfigError // why superd refused the last try; shown starts with them
	offset := 0                          // the lines they take at the top of shown
	sent := ""                           // the text of the last try
	if err := os.WriteFile(s.file, []byte(shown), 0o600); err != nil {
		return false, fmt.Errorf("edit %s: %w", s.name, err)
	}
	for {
		if err := s.runEditor(ctx); err != nil {
			a.errorf("edit %s: the editor failed (%s): nothing saved", s.name, oneLine(err.Error()))
			return s.changed(), exitStatus(exitError)
		}
		data, err := os.ReadFile(s.file)
		if err != nil {
			return false, fmt.Errorf("edit %s: %w", s.name, err)
		}
		if string(data) == shown {
			if problems == nil {
				_, err := fmt.Fprintln(a.stdout, "edit cancelled, no changes made")
				return false, err
			}
			writeInvalid(a.stderr, "edit "+s.name, s.file, offset, problems)
			return true, exitStatus(exitError)
		}
		text := string(data)
		if problems != nil {
			text = stripAnnotation(text)
			if text == sent {
				// Only the lines edit added changed: superd would
				// refuse the same text again, and an editor that
				// always changes something would never be let go.
				// The problems point into the file as it was saved.
				offset = strings.Count(string(data[:len(data)-len(text)]), "\n")
				writeInvalid(a.stderr, "edit "+s.name, s.file, offset, problems)
				return true, exitStatus(exitError)
			}
		}
		if text == s.orig.Text {
			_, err := fmt.Fprintln(a.stdout, "edit cancelled, no changes made")
			return false, err
		}
		sent = text

		rctx, cancel := a.commandContext(ctx)
		res, err := a.client.PutDefinition(rctx, s.name, []byte(text), s.orig.Hash)
		cancel()
		errs := definitionErrors(err)
		switch {
		case err == nil:
			return false, writeDefinitionResult(a.stdout, res)
		case errors.Is(err, transport.ErrNotCreated) && res.Hash != "":
			// Saved: the edit is not lost, but the service is missing.
			if err := writeDefinitionResult(a.stdout, res); err != nil {
				return false, err
			}
			a.errorf("edit %s: %s", s.name, oneLine(err.Error()))
			return false, exitStatus(exitError)
		case len(errs) > 0:
			problems = errs
			shown, offset = annotate(text, filepath.Base(s.file), errs)
			if err := os.WriteFile(s.file, []byte(shown), 0o600); err != nil {
				return true, fmt.Errorf("edit %s: %w", s.name, err)
			}
		case errors.Is(err, transport.ErrPreconditionFailed):
			a.errorf("edit %s: the definition was changed in superd while you edited it: nothing saved (run \"supers edit %s\" again and redo your changes)", s.name, s.name)
			return true, exitStatus(exitError)
		case refused(err):
			a.errorf("edit %s: %s: nothing saved", s.name, a.describe(err))
			return true, exitStatus(exitError)
		default:
			// No answer, or one that does not say superd refused the
			// write: it may have been made (superd stopping goes on
			// with a write begun; a timeout cuts only the wait).
			a.errorf("edit %s: %s; superd may have saved your version nonetheless: see \"supers cat %s\"", s.name, a.describe(err), s.name)
			return true, exitStatus(exitError)
		}
	}
}

// refused reports whether err, the failure of a definition write, says
// that superd did not make it: it could not be reached, or refused the
// request (a 4xx answer, or a 503 for its config dir, which changes
// nothing). Any other failure (no answer in time, the connection cut,
// superd stopping, a 5xx) leaves the write's fate unknown.
func refused(err error) bool {
	var unreachable *transport.UnreachableError
	if errors.As(err, &unreachable) {
		return true
	}
	var apiErr *transport.APIError
	return errors.As(err, &apiErr) && (apiErr.StatusCode < 500 || errors.Is(err, transport.ErrConfigUnavailable))
}

// changed reports whether the file, without the lines edit added, differs
// from the definition fetched (and is worth keeping). An unreadable file
// counts as unchanged.
func (s *editSession) changed() bool {
	data, err := os.ReadFile(s.file)
	return err == nil && stripAnnotation(string(data)) != s.orig.Text
}

// runEditor runs the editor on the file with the terminal (supers' stdin,
// stdout and stderr). While it runs, Ctrl-C is the editor's business:
// supers ignores SIGINT, as git does.
func (s *editSession) runEditor(ctx context.Context) error {
	ignore := make(chan os.Signal, 1) // never read: signals past the first are dropped
	signal.Notify(ignore, os.Interrupt)
	defer signal.Stop(ignore)
	args := append(s.editor[1:len(s.editor):len(s.editor)], s.file)
	cmd := exec.CommandContext(ctx, s.editor[0], args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.app.stdin, s.app.stdout, s.app.stderr
	return cmd.Run()
}

// annotate returns text preceded by editMarker comment lines saying why
// superd refused it: its problems, naming file (the file in the editor)
// with line numbers counted in the annotated text; and how many lines it
// added.
func annotate(text, file string, errs []transport.ConfigError) (annotated string, added int) {
	intro := []string{
		"The definition was not saved: superd found these problems.",
		"Fix them and save to try again, or quit without saving to give up.",
		"Lines starting with \"" + editMarker + "\" are removed before saving.",
	}
	offset := len(intro) + len(errs)
	var b strings.Builder
	for _, line := range intro {
		b.WriteString(editMarker + " " + line + "\n")
	}
	for _, e := range sortConfigErrors(errs) {
		b.WriteString(editMarker + "   " + oneLine(localMessage(e, file, offset)) + "\n")
	}
	return b.String() + text, offset
}

// stripAnnotation removes the editMarker lines at the top of text.
func stripAnnotation(text string) string {
	rest := text
	for line := range strings.Lines(text) {
		if !strings.HasPrefix(line, editMarker) {
			break
		}
		rest = rest[len(line):]
	}
	return rest
}
