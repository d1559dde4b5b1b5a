package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// printStatuses prints services as a table, in their order, or as a JSON
// array with --json.
func (a *app) printStatuses(ctx context.Context, services []transport.ServiceStatus) error {
	if a.json {
		if services == nil {
			services = []transport.ServiceStatus{}
		}
		return writeJSON(a.stdout, services)
	}
	return a.printTable(ctx, tableOf(services))
}

// printTable writes t to stdout, followed on stderr by a note about the
// services whose file changed on disk, if any. Any change marks a file, a
// comment-only edit too, which a reload finds nothing to apply in: the
// note says a reload applies changed settings, not that one is needed. It
// names those of them whose file the last load (a reload, or superd's
// start) could not load: "supers reload" alone would read as the fix,
// when the reload that was just run refused the file.
func (a *app) printTable(ctx context.Context, t *statusTable) error {
	if err := t.writeTo(a.stdout); err != nil {
		return err
	}
	if len(t.changed) > 0 {
		note := ""
		if broken := a.unloaded(ctx, t.changed); len(broken) > 0 {
			note = fmt.Sprintf(" (the last load refused the file of %s: \"supers check\" says why)", strings.Join(broken, ", "))
		}
		a.errorf("%s %s%s", configChangedMark, configChangedNote, note)
	}
	return nil
}

// unloaded returns those of names whose service file superd's last load
// refused, as its config errors list them; none if superd cannot say.
func (a *app) unloaded(ctx context.Context, names []string) []string {
	errs, err := a.configErrors(ctx)
	if err != nil {
		return nil
	}
	var broken []string
	for _, e := range errs {
		name, ok := strings.CutSuffix(filepath.Base(e.File), ".service")
		if !e.Dir && ok && slices.Contains(names, name) && !slices.Contains(broken, name) {
			broken = append(broken, name)
		}
	}
	slices.Sort(broken)
	return broken
}

// configChangedMark follows the STATE of a service whose file changed on
// disk since superd loaded it.
const configChangedMark = "*"

// configChangedNote explains configChangedMark under a table.
const configChangedNote = `config changed on disk since loaded; "supers reload" applies it if its settings changed`

// writeConfigWarning prints the service files superd could not load under
// a "supers: warning:" line counting them, then one indented message per
// problem (a file may have several), sorted by file. It is best-effort
// output on stderr, so write errors are ignored.
//
// An error about the config dir itself (Dir: missing, say) comes first,
// on its own warning line; then those of superd.conf, under a line of
// their own.
func writeConfigWarning(w io.Writer, errs []transport.ConfigError) {
	errs = sortConfigErrors(errs)
	files, daemon := errs[:0:0], errs[:0:0]
	for _, e := range errs {
		switch {
		case e.Dir:
			fmt.Fprintf(w, "supers: warning: %s\n", oneLine(cmp.Or(e.Message, "config dir "+e.File+" cannot be loaded")))
		case filepath.Base(e.File) == config.DaemonFile:
			daemon = append(daemon, e)
		default:
			files = append(files, e)
		}
	}
	if len(daemon) > 0 {
		fmt.Fprintf(w, "supers: warning: %s was not applied by the last reload (the webhooks in force are kept):\n", config.DaemonFile)
		for _, e := range daemon {
			fmt.Fprintf(w, "  %s\n", oneLine(cmp.Or(e.Message, e.File)))
		}
	}
	if len(files) == 0 {
		return
	}
	errs = files
	fmt.Fprintf(w, "supers: warning: %d service file(s) could not be loaded:\n", countFiles(errs))
	for _, e := range errs {
		msg := e.Message
		if msg == "" {
			msg = e.File
		}
		fmt.Fprintf(w, "  %s\n", oneLine(msg))
	}
}

// countFiles returns how many distinct files errs are about; an error
// naming no file counts as one of its own.
func countFiles(errs []transport.ConfigError) int {
	files := make(map[string]struct{}, len(errs))
	n := 0
	for _, e := range errs {
		if e.File == "" {
			n++
			continue
		}
		if _, seen := files[e.File]; !seen {
			files[e.File] = struct{}{}
			n++
		}
	}
	return n
}

// sortConfigErrors returns a copy of errs sorted by file, then line, those
// of a file without a line (such as a missing required key) after its
// lines, as package config orders one file's errors: a syntax error on
// line 1 comes before the missing key it caused.
func sortConfigErrors(errs []transport.ConfigError) []transport.ConfigError {
	errs = slices.Clone(errs)
	slices.SortStableFunc(errs, func(a, b transport.ConfigError) int {
		// Line 0 becomes the largest.
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(uint(a.Line-1), uint(b.Line-1)))
	})
	return errs
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// stateText is the STATE column: the state, and for a service that has no
// process why its last start failed or how its last process ended, e.g.
// "exited (exit 3)". A service that is stopping still has its process:
// how an earlier one ended would read as this one's end.
//
// A service waiting to be restarted shows when: "backoff (exit 3 4s ago,
// next try in 1.2s)". Output its logs could not take is said last:
// "running (log output dropped: 1.5 MiB)".
func stateText(s transport.ServiceStatus) string {
	return stateTextAt(s, time.Now())
}

func stateTextAt(s transport.ServiceStatus, now time.Time) string {
	text := stateDetailAt(s, now)
	if s.LogDroppedBytes == 0 {
		return text
	}
	dropped := "log output dropped: " + formatBytes(s.LogDroppedBytes)
	if strings.HasSuffix(text, ")") {
		return strings.TrimSuffix(text, ")") + ", " + dropped + ")"
	}
	return text + " (" + dropped + ")"
}

// formatBytes renders a count of bytes: "512 B", "1.5 KiB", "3.0 MiB".
func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// stateDetailAt is stateTextAt without the log's dropped output.
func stateDetailAt(s transport.ServiceStatus, now time.Time) string {
	if s.State == transport.StateRunning {
		return s.State
	}
	detail := s.LastExit.String()
	if detail != "" && !s.LastExit.Time.IsZero() {
		detail += " " + formatUptime(now.Sub(s.LastExit.Time).Seconds()) + " ago"
	}
	if s.State == transport.StateStopping {
		// With a PID, the main process is still there, and the last exit
		// is an earlier run's. Without one, it is gone (the rest of its
		// group still has its time, or what a crash left is killed
		// before the restart): say how it ended.
		if s.PID != 0 || detail == "" {
			return s.State
		}
		return s.State + " (main process: " + detail + ")"
	}
	if s.Error != "" {
		detail = s.Error
	}
	if s.NextAttemptMS > 0 {
		next := "next try in " + formatDelay(s.NextAttemptMS)
		if detail == "" {
			detail = next
		} else {
			detail += ", " + next
		}
	}
	if detail == "" {
		return s.State
	}
	return s.State + " (" + detail + ")"
}

// formatDelay renders milliseconds until something happens: "250ms",
// "1.2s", or as an uptime beyond a minute.
func formatDelay(ms int64) string {
	switch {
	case ms < 1000:
		return fmt.Sprintf("%dms", ms)
	case ms < 60_000:
		return fmt.Sprintf("%.1fs", float64(ms)/1000)
	default:
		return formatUptime(float64(ms) / 1000)
	}
}

// formatUptime renders a number of seconds with its two most significant
// units: "45s", "3m12s", "5h3m", "2d4h".
func formatUptime(seconds float64) string {
	const maxSeconds = 1 << 53 // far beyond any uptime; keeps the conversion exact
	s := int64(0)
	if seconds > 0 {
		s = int64(min(seconds, maxSeconds))
	}
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%dm", s/3600, s%3600/60)
	default:
		return fmt.Sprintf("%dd%dh", s/86400, s%86400/3600)
	}
}

// oneLine makes text from superd safe for a table cell or a message line:
// line breaks and tabs become spaces and other control characters (such as
// terminal escapes) become '?', as do the bidirectional controls (U+202E
// RIGHT-TO-LEFT OVERRIDE...), with which a terminal that applies them
// would show the rest of the line in another order.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			return '?'
		default:
			return r
		}
	}, s)
}

// prefetchConfigErrors asks superd for its config errors in a goroutine
// of its own, for configErrors to answer with: a command that will need
// them asks beside its other requests instead of after them. The command
// must call waitConfigErrors before it returns.
func (a *app) prefetchConfigErrors(ctx context.Context) {
	done := make(chan struct{})
	a.configErrsDone = done
	go func() {
		defer close(done)
		rctx, cancel := a.withTimeout(ctx)
		defer cancel()
		errs, err := a.client.ConfigErrors(rctx)
		if err != nil {
			a.configErrsErr = err
			return
		}
		a.configErrs = &errs
	}()
}

// waitConfigErrors waits until the request of prefetchConfigErrors, if
// one was started, has ended.
func (a *app) waitConfigErrors() {
	if done := a.configErrsDone; done != nil {
		<-done
		a.configErrsDone = nil
	}
}

// configErrors returns superd's config errors (ConfigErrors), asking it
// once per command: the status of all services may need them for its note
// and for its warning.
func (a *app) configErrors(ctx context.Context) ([]transport.ConfigError, error) {
	if a.configErrsDone != nil {
		a.waitConfigErrors()
		if a.configErrsErr == nil {
			return *a.configErrs, nil
		}
		// Asked for again, as without prefetchConfigErrors.
		a.configErrsErr = nil
	}
	if a.configErrs == nil {
		rctx, cancel := a.withTimeout(ctx)
		defer cancel()
		errs, err := a.client.ConfigErrors(rctx)
		if err != nil {
			return nil, err
		}
		a.configErrs = &errs
	}
	return *a.configErrs, nil
}
