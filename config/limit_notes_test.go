package config

import (
	"strings"
	"testing"
)

// TestSystemdLimitKeysExplained checks that every resource limit key of
// systemd, and IOSchedulingPriority=, is refused with a note saying how
// to set it in ExecStart=, as the README promises, not a bare "unknown
// key"; and that UnsetEnvironment='s note names every variable superd
// sets in a service's environment.
func TestSystemdLimitKeysExplained(t *testing.T) {
	const service = "[Service]\nExecStart=/bin/true\n"
	for _, tc := range []struct{ line, want string }{
		{"LimitCPU=1h", "prlimit --cpu="},
		{"LimitFSIZE=1G", "prlimit --fsize="},
		{"LimitDATA=1G", "prlimit --data="},
		{"LimitSTACK=16M", "prlimit --stack="},
		{"LimitCORE=infinity", "ulimit -c"},
		{"LimitRSS=1G", "prlimit --rss="},
		{"LimitNOFILE=65536", "ulimit -n"},
		{"LimitAS=4G", "prlimit --as="},
		{"LimitNPROC=4096", "prlimit --nproc="},
		{"LimitMEMLOCK=64M", "prlimit --memlock="},
		{"LimitLOCKS=1024", "prlimit --locks="},
		{"LimitSIGPENDING=4096", "prlimit --sigpending="},
		{"LimitMSGQUEUE=819200", "prlimit --msgqueue="},
		{"LimitNICE=30", "prlimit --nice="},
		{"LimitRTPRIO=50", "prlimit --rtprio="},
		{"LimitRTTIME=200ms", "prlimit --rttime="},
		{"IOSchedulingPriority=7", "ionice -c 2 -n 7"},
		{"UnsetEnvironment=TZ", "SHELL"},
		{"UnsetEnvironment=TZ", "SUPERD_MARKER"},
	} {
		key, _, _ := strings.Cut(tc.line, "=")
		_, err := parse("x", "x.service", []byte(service+tc.line+"\n"), readFile)
		if err == nil {
			t.Errorf("%s accepted", tc.line)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "systemd's "+key+"= is not supported") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "did you mean") {
			t.Errorf("%s: %s\nwant a note about systemd's %s= mentioning %q", tc.line, msg, key, tc.want)
		}
	}
}
