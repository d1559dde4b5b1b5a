package config

import (
	"strings"
	"testing"
)

// TestSystemdOutputAndLimitKeysExplained checks that the systemd
// directives of many units copied from elsewhere that decide where the
// output goes, how many files the program may open and how it runs in
// the background get a note saying what superd does instead, as the
// README promises for the systemd keys superd does not support, not a
// bare "unknown key".
func TestSystemdOutputAndLimitKeysExplained(t *testing.T) {
	const service = "[Service]\nExecStart=/bin/true\n"
	for key, want := range map[string]string{
		"StandardOutput=journal":          "stdout.log",
		"StandardError=append:/var/log/x": "stderr.log",
		"StandardInput=null":              "/dev/null",
		"LimitNOFILE=65536":               "ulimit -n",
		"PIDFile=/run/app.pid":            "foreground",
		"RemainAfterExit=yes":             "exited",
		"SyslogIdentifier=app":            "log files",
		"ExecStopPost=/bin/true":          "not supported",
		// The process's execution settings, which a service otherwise
		// gets from superd: each said so, not a bare "unknown key".
		"Nice=5":                    "nice -n",
		"OOMScoreAdjust=-900":       "choom",
		"CPUAffinity=0 1":           "taskset",
		"IOSchedulingClass=idle":    "ionice",
		"LimitCORE=infinity":        "ulimit -c",
		"SupplementaryGroups=wheel": "that user's groups",
		"PassEnvironment=TZ":        "Environment=",
		"UnsetEnvironment=TZ":       "clean",
		"DynamicUser=yes":           "User= of its own",
	} {
		_, err := parse("x", "x.service", []byte(service+key+"\n"), readFile)
		if err == nil {
			t.Errorf("%s accepted", key)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "systemd's") || !strings.Contains(msg, want) || strings.Contains(msg, "did you mean") {
			t.Errorf("%s: %s\nwant a note about systemd mentioning %q", key, msg, want)
		}
	}
}
