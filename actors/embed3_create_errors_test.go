//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// Services of Config.Services that cannot be created at start (their log
// directory is taken by a file) each have an error of their own: in
// LoadErrors, in ConfigErrors, and in the answer about their name, which
// says why the service does not exist. Without a ConfigDir, LoadErrors
// held a single error joining every service's, ConfigErrors a single
// entry, and a Status of such a service said only `unknown service "a"`.
func TestEmbedEachUncreatedServiceHasItsError(t *testing.T) {
	for _, withDir := range []bool{false, true} {
		name := "without ConfigDir"
		if withDir {
			name = "with ConfigDir"
		}
		t.Run(name, func(t *testing.T) {
			logs := t.TempDir()
			for _, n := range []string{"a", "b"} {
				if err := os.WriteFile(filepath.Join(logs, n), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg := actors.Config{LogDir: logs, Services: []*config.Service{
				config.New("a", "sleep", "60"), config.New("b", "sleep", "60"), config.New("c", "sleep", "60"),
			}}
			if withDir {
				cfg.ConfigDir = t.TempDir()
			}
			sup, _, _ := embedded(t, cfg)
			ctx := context.Background()

			errs := sup.LoadErrors()
			if len(errs) != 2 {
				t.Fatalf("LoadErrors = %d errors %q, want one for a and one for b", len(errs), errs)
			}
			for i, n := range []string{"a", "b"} {
				var other string
				if n == "a" {
					other = "b"
				} else {
					other = "a"
				}
				msg := errs[i].Error()
				if !strings.Contains(msg, "service "+n+" not created") || strings.Contains(msg, "service "+other+" ") {
					t.Errorf("LoadErrors()[%d] = %q, want the error of %s alone", i, msg, n)
				}
			}

			ces, err := sup.ConfigErrors(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(ces) != 2 {
				t.Fatalf("ConfigErrors = %+v, want one for a and one for b", ces)
			}

			for _, n := range []string{"a", "b"} {
				_, err := sup.Status(ctx, n)
				if !errors.Is(err, transport.ErrUnknownService) {
					t.Fatalf("Status(%s): %v, want an error matching ErrUnknownService", n, err)
				}
				if want := "service " + n + " not created"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "not a directory") {
					t.Errorf("Status(%s): %q, want it to say %q and why", n, err, want)
				}
			}
			if st, err := sup.Status(ctx, "c"); err != nil || st.State != actors.StateRunning {
				t.Errorf("Status(c) = %+v, %v; want running", st, err)
			}
		})
	}
}
