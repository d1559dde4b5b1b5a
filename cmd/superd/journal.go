package main

import (
	"context"
	"io"
	"log/slog"
)

// journalPriorities are the syslog priorities of superd's levels, as
// sd-daemon(3) prefixes them to a line (<3> SD_ERR, <4> SD_WARNING, <6>
// SD_INFO, <7> SD_DEBUG): the journal stores each line at its priority
// instead of at its default, info, so that `journalctl -p warning` and
// alerts on priority see superd's warnings and errors.
var journalPriorities = [...]struct {
	min    slog.Level
	prefix string
}{
	{slog.LevelError, "<3>"},
	{slog.LevelWarn, "<4>"},
	{slog.LevelInfo, "<6>"},
	{slog.Level(-1 << 31), "<7>"},
}

// prefixWriter writes each record it is given with prefix before it, in
// one Write: superd's log queue takes one record per Write.
type prefixWriter struct {
	prefix string
	w      io.Writer
}

// Write writes prefix and p to the underlying writer at once.
func (p prefixWriter) Write(b []byte) (int, error) {
	buf := make([]byte, 0, len(p.prefix)+len(b))
	buf = append(append(buf, p.prefix...), b...)
	if _, err := p.w.Write(buf); err != nil {
		return 0, err
	}
	return len(b), nil
}

// journalHandler hands each record to the handler of its priority, each
// writing through a prefixWriter of its own: a line of the level's
// priority prefix and the record as the plain handler writes it.
type journalHandler struct {
	byPriority [len(journalPriorities)]slog.Handler
}

// newJournalHandler returns a handler that writes to w as newHandler's
// handlers do, each line prefixed with its level's syslog priority.
func newJournalHandler(w io.Writer, newHandler func(io.Writer) slog.Handler) *journalHandler {
	var h journalHandler
	for i, p := range journalPriorities {
		h.byPriority[i] = newHandler(prefixWriter{prefix: p.prefix, w: w})
	}
	return &h
}

// handler returns the handler of level l.
func (h *journalHandler) handler(l slog.Level) slog.Handler {
	for i, p := range journalPriorities {
		if l >= p.min {
			return h.byPriority[i]
		}
	}
	return h.byPriority[len(h.byPriority)-1]
}

// Enabled implements slog.Handler.
func (h *journalHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.handler(l).Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *journalHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.handler(r.Level).Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *journalHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	var c journalHandler
	for i, inner := range h.byPriority {
		c.byPriority[i] = inner.WithAttrs(attrs)
	}
	return &c
}

// WithGroup implements slog.Handler.
func (h *journalHandler) WithGroup(name string) slog.Handler {
	var c journalHandler
	for i, inner := range h.byPriority {
		c.byPriority[i] = inner.WithGroup(name)
	}
	return &c
}
