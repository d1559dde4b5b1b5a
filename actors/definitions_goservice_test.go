//go:build linux

package actors_test

import (
	"context"
	"errors"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// Definition, PutDefinition and DeleteDefinition of a service of
// Config.Services fail with transport.ErrConflict, as the package doc
// says, whether or not the supervisor has a ConfigDir; without one, a
// name no Go service has still gets transport.ErrConfigUnavailable.
func TestDefinitionOfGoServiceConflicts(t *testing.T) {
	for _, withDir := range []bool{false, true} {
		name := "without ConfigDir"
		if withDir {
			name = "with ConfigDir"
		}
		t.Run(name, func(t *testing.T) {
			g := config.New("g", "/bin/sleep", "60")
			g.AutoStart = false
			cfg := actors.Config{Services: []*config.Service{g}}
			if withDir {
				cfg.ConfigDir = t.TempDir()
			}
			sup, _, _ := embedded(t, cfg)
			ctx := context.Background()
			def := []byte("[Service]\nExecStart=/bin/sleep 61\nAutoStart=no\n")

			_, err := sup.Definition(ctx, "g")
			if !errors.Is(err, transport.ErrConflict) {
				t.Errorf("Definition: %v, want ErrConflict", err)
			}
			_, err = sup.PutDefinition(ctx, "g", def, transport.WriteOptions{})
			if !errors.Is(err, transport.ErrConflict) {
				t.Errorf("PutDefinition: %v, want ErrConflict", err)
			}
			_, err = sup.DeleteDefinition(ctx, "g", transport.WriteOptions{})
			if !errors.Is(err, transport.ErrConflict) {
				t.Errorf("DeleteDefinition: %v, want ErrConflict", err)
			}
			if withDir {
				return
			}
			_, err = sup.Definition(ctx, "other")
			if !errors.Is(err, transport.ErrConfigUnavailable) {
				t.Errorf("Definition of a name no service has: %v, want ErrConfigUnavailable", err)
			}
			_, err = sup.PutDefinition(ctx, "other", def, transport.WriteOptions{})
			if !errors.Is(err, transport.ErrConfigUnavailable) {
				t.Errorf("PutDefinition of a name no service has: %v, want ErrConfigUnavailable", err)
			}
		})
	}
}
