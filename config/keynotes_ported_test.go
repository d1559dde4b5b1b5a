package config

import (
	"strings"
	"testing"
)

// TestPortedUnitKeysExplained checks that the systemd keys a unit ported
// from systemd often carries, which superd does not have, are refused with
// a note saying what superd does instead or how to get the effect, as the
// README promises, not a bare "unknown key" nor a suggestion of a key that
// does something else; and that the [Install] keys are still answered by
// the note of their section.
func TestPortedUnitKeysExplained(t *testing.T) {
	const service = "[Service]\nExecStart=/bin/true\n"
	for _, tc := range []struct{ section, line, want string }{
		// resource control: a service's processes are in superd's cgroup
		{"Service", "MemoryMax=1G", "systemd-run --scope -p MemoryMax=1G"},
		{"Service", "MemoryHigh=1G", "superd's cgroup"},
		{"Service", "MemorySwapMax=0", "superd's cgroup"},
		{"Service", "MemoryLimit=1G", "-p MemoryMax=1G"},
		{"Service", "CPUQuota=50%", "-p CPUQuota=50%"},
		{"Service", "CPUWeight=50", "superd's own unit"},
		{"Service", "CPUShares=512", "-p CPUWeight="},
		{"Service", "IOWeight=50", "superd's cgroup"},
		{"Service", "TasksMax=512", "all services together"},
		{"Service", "Slice=app.slice", "--slice="},
		{"Service", "Delegate=yes", "-p Delegate=yes"},
		{"Service", "OOMPolicy=stop", "OOMPolicy=continue"},
		// sd_notify
		{"Service", "WatchdogSec=30s", "not sd_notify-supervised"},
		{"Service", "NotifyAccess=main", "not sd_notify-supervised"},
		// privileges and sandboxing
		{"Service", "NoNewPrivileges=yes", "setpriv --no-new-privs"},
		{"Service", "PrivateTmp=yes", "TMPDIR="},
		{"Service", "PrivateTmp=yes", "unshare -m"},
		{"Service", "ProtectSystem=strict", "none of systemd's sandboxing"},
		{"Service", "ProtectHome=yes", "none of systemd's sandboxing"},
		{"Service", "ReadWritePaths=/var/lib/app", "none of systemd's sandboxing"},
		{"Service", "PrivateDevices=yes", "none of systemd's sandboxing"},
		{"Service", "SystemCallFilter=@system-service", "none of systemd's sandboxing"},
		{"Service", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "--bounding-set="},
		{"Service", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "--ambient-caps="},
		// directories systemd would create
		{"Service", "RuntimeDirectory=app", "tmpfiles.d"},
		{"Service", "RuntimeDirectoryMode=0750", "install -d -m 0750"},
		{"Service", "StateDirectory=app", "install -d -o app -g app /var/lib/app"},
		{"Service", "CacheDirectory=app", "/var/cache/app"},
		{"Service", "LogsDirectory=app", "<log-dir>/NAME/"},
		{"Service", "ConfigurationDirectory=app", "/etc/app"},
		// starts, stops and run time
		{"Service", "ExecStartPost=/bin/true", "Events=start"},
		{"Service", "ExecStopPost=/bin/true", "Events=stop exit"},
		{"Service", "ExecCondition=/bin/true", "|| exit 0"},
		{"Service", "RuntimeMaxSec=1h", "timeout 1h"},
		{"Service", "RestartKillSignal=SIGINT", "KillSignal="},
		{"Service", "FinalKillSignal=SIGQUIT", "SIGKILL"},
		{"Service", "GuessMainPID=no", "follows the process"},
		// [Unit]: conditions, dependencies, actions
		{"Unit", "ConditionPathExists=/etc/app.conf", "|| exit 0"},
		{"Unit", "ConditionPathIsDirectory=/srv/app", "starts the service whatever"},
		{"Unit", "ConditionFileNotEmpty=/etc/app.conf", "starts the service whatever"},
		{"Unit", "ConditionVirtualization=!container", "starts the service whatever"},
		{"Unit", "AssertPathExists=/etc/app.conf", "|| exit 1"},
		{"Unit", "Conflicts=other.service", "no dependencies"},
		{"Unit", "Requisite=db.service", "no dependencies"},
		{"Unit", "DefaultDependencies=no", "no dependencies"},
		{"Unit", "OnFailure=alert@%n.service", "Events=exit restart fatal"},
		{"Unit", "StartLimitAction=reboot", "fatal"},
		{"Unit", "FailureAction=reboot", "never on the system"},
		// [Install] keys out of their section
		{"Unit", "WantedBy=multi-user.target", "AutoStart="},
		{"Service", "RequiredBy=app.target", "AutoStart="},
		{"Unit", "Alias=app2.service", "file's name"},
	} {
		key, _, _ := strings.Cut(tc.line, "=")
		file := "[" + tc.section + "]\n" + tc.line + "\n" + service
		_, err := parse("x", "x.service", []byte(file), readFile)
		if err == nil {
			t.Errorf("[%s] %s accepted", tc.section, tc.line)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "systemd's "+key+"= is not ") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "did you mean") {
			t.Errorf("[%s] %s: %s\nwant a note about systemd's %s= mentioning %q", tc.section, tc.line, msg, key, tc.want)
		}
	}

	// Each condition of systemd has its note, and so has its assertion.
	for _, c := range []string{"PathExists", "PathExistsGlob", "PathIsDirectory", "PathIsMountPoint", "DirectoryNotEmpty",
		"FileNotEmpty", "FileIsExecutable", "Host", "Virtualization", "KernelCommandLine", "Architecture", "User",
		"Environment", "Security", "Capability", "ACPower", "FirstBoot", "NeedsUpdate", "Credential"} {
		for _, key := range []string{"Condition" + c, "Assert" + c} {
			_, err := parse("x", "x.service", []byte("[Unit]\n"+key+"=x\n"+service), readFile)
			if err == nil || !strings.Contains(err.Error(), "systemd's "+key+"= is not supported: superd starts the service whatever") {
				t.Errorf("%s=: %v\nwant the note of a condition", key, err)
			}
		}
	}

	// The keys of [Install], where systemd has them, are answered by the
	// note of the section, as before.
	for _, line := range []string{"WantedBy=multi-user.target", "RequiredBy=app.target", "Alias=app2.service", "Also=app.socket"} {
		_, err := parse("x", "x.service", []byte(service+"\n[Install]\n"+line+"\n"), readFile)
		if err == nil || !strings.Contains(err.Error(), "systemd's [Install] is not needed: AutoStart=") {
			t.Errorf("[Install] %s: %v\nwant the note of [Install]", line, err)
		}
	}
}
