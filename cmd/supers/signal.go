package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

type signalCmd struct {
	Name   string `arg:"" name:"name" help:"The service."`
	Signal string `arg:"" name:"signal" help:"A signal name, with or without SIG, in any case (HUP, sigusr1), or a number."`
}

// Run asks superd to send the signal to the service's process group and
// prints "sent SIGHUP to web (pid 123)", or with --json the service's
// status as superd returns it. superd decides which signals exist: an
// unknown one, like a service that is not running, is reported with
// superd's message (exit 1); an unknown service exits 4.
func (c *signalCmd) Run(ctx context.Context, a *app) error {
	if err := checkNames("signal", c.Name); err != nil {
		return err
	}
	rctx, cancel := a.withTimeout(ctx)
	defer cancel()
	st, err := a.client.Signal(rctx, c.Name, c.Signal)
	if err != nil {
		return a.serviceError("signal", c.Name, err)
	}
	if a.json {
		return writeJSON(a.stdout, st)
	}
	line := fmt.Sprintf("sent %s to %s", signalLabel(c.Signal), oneLine(c.Name))
	if st.PID != 0 {
		line += fmt.Sprintf(" (pid %d)", st.PID)
	}
	_, err = fmt.Fprintln(a.stdout, line)
	return err
}

// signalLabel names a signal as the user gave it, the way superd accepted
// it: "hup" and "SigHup" as "SIGHUP", "9" as "signal 9".
func signalLabel(sig string) string {
	sig = strings.TrimSpace(sig)
	if _, err := strconv.Atoi(sig); err == nil {
		return "signal " + sig
	}
	sig = strings.ToUpper(oneLine(sig))
	if !strings.HasPrefix(sig, "SIG") {
		sig = "SIG" + sig
	}
	return sig
}
