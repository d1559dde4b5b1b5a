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

// A second Supervisor of the process asking for Subreaper is told which
// setting clashes with what, in the embedder's terms.
func TestRunSubreaperInUseNamesSetting(t *testing.T) {
	first, err := actors.New(actors.Config{LogDir: t.TempDir(), Subreaper: true})
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
	second, err := actors.New(actors.Config{LogDir: t.TempDir(), Subreaper: true})
	if err != nil {
		t.Fatal(err)
	}
	err = second.Run(t.Context())
	if !errors.Is(err, process.ErrSubreaperInUse) || !strings.Contains(err.Error(), "Config.Subreaper") || !strings.Contains(err.Error(), "another Supervisor") {
		t.Fatalf("second Run: %v, want an error wrapping process.ErrSubreaperInUse that names Config.Subreaper and another Supervisor", err)
	}
}
