//go:build unix

package actors_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/actors/process"
)

// A Supervisor with Subreaper shares its process with no other Supervisor
// while it runs: the second one's Run fails, told which setting clashes
// with what, in the embedder's terms, whichever of the two has the
// setting. A Supervisor without it beside one with it used to run, and
// the subreaper took its services' exit statuses (seen as -1, and the
// restart policy applied to that).
func TestRunSubreaperInUseNamesSetting(t *testing.T) {
	for _, tc := range []struct{ name, first, second string }{
		{"two subreapers", "subreaper", "subreaper"},
		{"one beside a subreaper", "subreaper", "plain"},
		{"a subreaper beside another", "plain", "subreaper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, err := actors.New(actors.Config{LogDir: t.TempDir(), Subreaper: tc.first == "subreaper"})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			ran := make(chan error, 1)
			go func() { ran <- first.Run(ctx) }()
			defer func() { cancel(); <-ran }()
			select {
			case <-first.Ready():
			case err := <-ran:
				t.Fatalf("first Run: %v", err)
			}
			second, err := actors.New(actors.Config{LogDir: t.TempDir(), Subreaper: tc.second == "subreaper"})
			if err != nil {
				t.Fatal(err)
			}
			err = second.Run(t.Context())
			if !errors.Is(err, process.ErrSubreaperInUse) || !strings.Contains(err.Error(), "Config.Subreaper") || !strings.Contains(err.Error(), "another Supervisor") {
				t.Fatalf("second Run: %v, want an error wrapping process.ErrSubreaperInUse that names Config.Subreaper and another Supervisor", err)
			}
		})
	}
}
