//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// answerLost is a backend whose definition writes are made, but answered
// with the error lost gives instead of their result: superd stopping, a
// timeout, a failure after the file was written.
type answerLost struct {
	*fakeBackend
	lost func(ctx context.Context) error
}

func (b answerLost) PutDefinition(ctx context.Context, name string, data []byte, opts transport.WriteOptions) (transport.DefinitionResult, error) {
	res, err := b.fakeBackend.PutDefinition(ctx, name, data, opts)
	if err != nil {
		return res, err
	}
	return transport.DefinitionResult{}, b.lost(ctx)
}

// When the answer to the write does not say that superd refused it, edit
// cannot say "nothing saved": the write may have been made (here it was),
// and a user told otherwise redoes it, or meets a 412 next time.
func TestDefsReviewEditAnswerLost(t *testing.T) {
	for _, tc := range []struct {
		what string
		args []string
		lost func(ctx context.Context) error
	}{
		{"no answer within --timeout", []string{"--timeout", "300ms"}, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
		{"superd stopping", nil, func(context.Context) error {
			return fmt.Errorf("%w: superd is shutting down", transport.ErrUnavailable)
		}},
		{"failure after the write", nil, func(context.Context) error { return errors.New("syncing /etc/super: input/output error") }},
	} {
		t.Run(tc.what, func(t *testing.T) {
			fb := withDefs()
			socket := startDaemon(t, answerLost{fakeBackend: fb, lost: tc.lost})
			mine := strings.Replace(webDef, "8080", "9090", 1)
			e := newEditor(t, saves(mine))
			r := runCLI(t, map[string]string{"SUPERS_SOCKET": socket, "EDITOR": e.env}, append(tc.args, "edit", "web")...)
			if got, _ := fb.def("web"); got != mine {
				t.Fatalf("the fake did not make the write: %q", got)
			}
			if r.code != exitError || strings.Contains(r.stderr, "nothing saved") || !strings.Contains(r.stderr, `may have saved`) ||
				!strings.Contains(r.stderr, `supers cat web`) {
				t.Errorf("code %d, stderr %q", r.code, r.stderr)
			}
			if b, err := os.ReadFile(keptPath(t, r.stderr)); err != nil || string(b) != mine {
				t.Errorf("kept %q (%v)", b, err)
			}
		})
	}
}
