package actors

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// hostCheckParallel bounds the host checks a config check runs at once:
// each may wait for a file system up to the start's bound.
const hostCheckParallel = 8

// specChecker is the part of the process manager that tells whether a
// start would fail before its program runs (process.Manager.Check).
type specChecker interface {
	Check(process.Spec) error
}

// hostChecker returns the check of a service against this machine that a
// config check runs (see checkServicesHost): the start of its process as
// deps would make it, looked at without starting it. nil when deps's
// process starter cannot tell (tests' fakes).
func hostChecker(deps *serviceDeps) func(*config.Service) error {
	c, ok := deps.procs.(specChecker)
	if !ok {
		return nil
	}
	return func(sp *config.Service) error {
		return c.Check(startSpec(sp, childEnv(deps, sp)))
	}
}

// startSpec is the start of a process of sp with the environment env:
// what the service actor starts (which adds the output files), and what a
// check looks at.
func startSpec(sp *config.Service, env []string) process.Spec {
	return process.Spec{Argv: sp.ExecStart, Dir: sp.WorkingDirectory, Env: env, User: sp.User, Group: sp.Group, UMask: sp.UMask,
		IgnoreSIGPIPE: sp.IgnoreSIGPIPE} // applied by superd's Manager only (Config.Subreaper)
}

// CheckHost reports what would make the start of spec's process fail on
// this machine now, before its program runs, as a Supervisor's
// CheckConfig does for each valid service of its config dir: a program
// not found or not executable by the service's user, a working directory
// missing or that user may not enter, a User= or Group= that does not
// resolve (see process.Manager.Check). The error is a *config.Error that
// names spec's file and the key at fault. spec must be valid (see
// config.Validate).
func CheckHost(spec *config.Service) error {
	deps := &serviceDeps{env: childBaseEnv(), userEnv: process.UserEnv}
	if err := process.CheckStart(startSpec(spec, childEnv(deps, spec))); err != nil {
		return hostCheckError(spec, err)
	}
	return nil
}

// childEnv is the environment of a process of spec, but for the marker
// of the processes of a supervisor with a state file: deps's base
// environment, the variables of spec's User= (HOME, USER...), then its
// Environment=.
func childEnv(deps *serviceDeps, spec *config.Service) []string {
	env := deps.env
	if spec.User != "" && deps.userEnv != nil {
		// A user that cannot be looked up fails the start anyway.
		if vars, err := deps.userEnv(spec.User); err == nil {
			env = mergeEnv(env, vars)
		}
	}
	return mergeEnv(env, spec.Environment)
}

// checkServicesHost runs check on each of specs, at most hostCheckParallel
// at once, and returns an error of the file of each that fails, in the
// order of specs: a service whose file is valid but that could not start
// on this machine as it stands (a program or working directory missing, a
// User= unknown), which the check says rather than leave it to the first
// start's backoff. It returns once every check has ended (each is bounded
// by the start's wait for its files), or with ctx's error when ctx ends
// first.
func checkServicesHost(ctx context.Context, specs []*config.Service, check func(*config.Service) error) ([]transport.ConfigError, error) {
	errs := make([]error, len(specs))
	sem := make(chan struct{}, hostCheckParallel)
	var wg sync.WaitGroup
	for i, sp := range specs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return nil, ctx.Err()
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := check(sp); err != nil {
				errs[i] = hostCheckError(sp, err)
			}
		})
	}
	wg.Wait()
	var out []transport.ConfigError
	for _, err := range errs {
		if err != nil {
			out = append(out, configErrors(err)...)
		}
	}
	return out, ctx.Err()
}

// hostCheckError is the error of sp's file for err, a start's failure
// before its program ran (a *process.ExecError), put on the key that
// caused it.
func hostCheckError(sp *config.Service, err error) error {
	key := "ExecStart"
	var ee *process.ExecError
	if errors.As(err, &ee) {
		switch ee.Op {
		case "chdir":
			key = "WorkingDirectory"
		case "user":
			key = "User"
		case "group":
			key = "Group"
		}
	}
	return &config.Error{File: sp.File, Line: sp.KeyLine("Service", key), Section: "Service", Key: key, Err: fmt.Errorf("%w (a start would fail on this machine now)", err)}
}
