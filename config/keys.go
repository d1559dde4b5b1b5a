package config

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Section names.
const (
	sectionUnit    = "Unit"
	sectionService = "Service"
	sectionLog     = "Log"
)

// Key names.
const (
	keyDescription      = "Description"
	keyExecStart        = "ExecStart"
	keyWorkingDirectory = "WorkingDirectory"
	keyEnvironment      = "Environment"
	keyEnvironmentFile  = "EnvironmentFile"
	keyUser             = "User"
	keyGroup            = "Group"
	keyAutoStart        = "AutoStart"
	keyKillSignal       = "KillSignal"
	keyTimeoutStopSec   = "TimeoutStopSec"

	keyRestart                  = "Restart"
	keySuccessExitStatus        = "SuccessExitStatus"
	keyRestartPreventExitStatus = "RestartPreventExitStatus"
	keyRestartForceExitStatus   = "RestartForceExitStatus"
	keyRestartSec               = "RestartSec"
	keyRestartMaxDelaySec       = "RestartMaxDelaySec"
	keyStableSec                = "StableSec"
	keyStartLimitBurst          = "StartLimitBurst"
	keyStartLimitIntervalSec    = "StartLimitIntervalSec"
	keyRestartCooldownSec       = "RestartCooldownSec"
	keyUMask                    = "UMask"
	keyIgnoreSIGPIPE            = "IgnoreSIGPIPE"

	keyMaxSize     = "MaxSize"
	keyMaxBackups  = "MaxBackups"
	keyMaxAge      = "MaxAge"
	keyCompress    = "Compress"
	keyRotateEvery = "RotateEvery"
	keyTimestamps  = "Timestamps"
)

// sectionSpec describes one known section of a file kind.
type sectionSpec struct {
	// name is the section name, or for a named section the word before
	// the quoted sub-name: [Webhook "NAME"].
	name string
	// named says the header carries a quoted sub-name.
	named bool
	// unique says the section may appear once (for a named section: once
	// per sub-name). A section that is not unique may be repeated; its
	// keys accumulate as if it were written once.
	unique bool
	// keys are the known keys, in the order of the documentation.
	keys []string
}

// display returns the name of the section as the documentation writes it.
func (s *sectionSpec) display() string {
	if s.named {
		return s.name + ` "NAME"`
	}
	return s.name
}

// schema describes a kind of file: its sections and keys, and how its
// errors are worded.
type schema struct {
	sections []sectionSpec
	// keyNotes explain some unknown keys better than a suggestion would.
	keyNotes map[string]string
	// sectionNotes do the same for some unknown sections.
	sectionNotes map[string]string
	// elsewhere names the file kind the sections of otherFile belong to,
	// for the unknown-section error ("it belongs in superd.conf").
	elsewhere string
	otherFile []string
	// sensitive files may hold secrets: syntax errors do not quote the text
	// of lines that are not assignments of known keys, and long unknown key
	// names are not shown.
	sensitive bool
}

// limitNote is the note of systemd's resource limit key, given the
// prlimit(1) option (with a value) that sets the same limit in ExecStart=.
func limitNote(key, option string) string {
	return "systemd's " + key + "= is not supported: a service gets superd's limits, or set this one in ExecStart=, e.g. /usr/bin/prlimit --" + option + " app"
}

// cgroupNote is the note of systemd's resource control key: a service's
// processes are in superd's own cgroup, so the key of superd's unit limits
// every service together, and a scope (systemd-run --scope execs the
// command in place: superd still follows the same process) gives one
// service a limit of its own; prop is the property, with a value, that the
// example sets.
func cgroupNote(key, prop string) string {
	return "systemd's " + key + "= is not supported: a service's processes are in superd's cgroup (" + key + "= of superd's own unit applies to all services together), " +
		"or give it a scope of its own in ExecStart=, e.g. /usr/bin/systemd-run --scope -p " + prop + " -- app (as root: in place of User=, give systemd-run --uid=)"
}

// sandboxNote is the note of systemd's sandboxing keys, which superd does
// not apply at all.
func sandboxNote(key string) string {
	return "systemd's " + key + "= is not supported: superd applies none of systemd's sandboxing; confine the service with User= and file permissions, " +
		"or in ExecStart= with a tool such as unshare (as root) or bwrap"
}

// directoryNote is the note of systemd's key that creates a directory for
// the service under parent and names it in the variable env.
func directoryNote(key, parent, env string) string {
	return "systemd's " + key + "= is not supported: superd creates no directory under " + parent + " (nor sets $" + env + "): " +
		"create it beforehand, owned by the service's User=, e.g. install -d -o app -g app " + parent + "/app"
}

// directoryModeNote is the note of the mode key that goes with a
// directoryNote key.
func directoryModeNote(key, parent string) string {
	return "systemd's " + key + "= is not supported: superd creates no directory for a service; create it beforehand with its mode, e.g. install -d -m 0750 -o app -g app " + parent + "/app"
}

// conditions are the names of systemd's conditions (ConditionPathExists=)
// and assertions (AssertPathExists=), without the prefix.
var conditions = []string{
	"Architecture", "Firmware", "Virtualization", "Host", "KernelCommandLine", "KernelVersion",
	"Credential", "Environment", "Security", "Capability", "ACPower", "NeedsUpdate", "FirstBoot",
	"PathExists", "PathExistsGlob", "PathIsDirectory", "PathIsSymbolicLink", "PathIsMountPoint",
	"PathIsReadWrite", "PathIsEncrypted", "DirectoryNotEmpty", "FileNotEmpty", "FileIsExecutable",
	"User", "Group", "ControlGroupController", "Memory", "CPUs", "CPUFeature", "OSRelease",
	"MemoryPressure", "CPUPressure", "IOPressure",
}

// withConditionNotes adds to notes those of systemd's Condition*= and
// Assert*= keys, and returns notes. superd checks no condition: the test
// goes in ExecStart=, where an exit 0 ends the service as a skipped
// condition does (Restart=on-failure does not restart it), and another
// status fails it as a failed assertion does.
func withConditionNotes(notes map[string]string) map[string]string {
	for _, c := range conditions {
		notes["Condition"+c] = "systemd's Condition" + c + "= is not supported: superd starts the service whatever; test in ExecStart= instead, " +
			"e.g. /bin/sh -c 'test -e /etc/app.conf || exit 0; exec app' (with Restart=on-failure, the default, an exit 0 is not restarted)"
		notes["Assert"+c] = "systemd's Assert" + c + "= is not supported: superd starts the service whatever; test in ExecStart= instead, " +
			"e.g. /bin/sh -c 'test -e /etc/app.conf || exit 1; exec app' (a failure, which Restart=on-failure retries up to the start limit)"
	}
	return notes
}

// serviceSchema describes service files.
var serviceSchema = &schema{
	sections: []sectionSpec{
		// StartLimitBurst= and StartLimitIntervalSec= are [Unit] keys
		// since systemd 230, [Service] ones before (and here): a unit
		// written either way loads.
		{name: sectionUnit, keys: []string{keyDescription, keyStartLimitBurst, keyStartLimitIntervalSec}},
		{name: sectionService, keys: []string{keyExecStart, keyWorkingDirectory, keyEnvironment, keyEnvironmentFile,
			keyUser, keyGroup, keyUMask, keyIgnoreSIGPIPE, keyAutoStart, keyKillSignal, keyTimeoutStopSec,
			keyRestart, keySuccessExitStatus, keyRestartPreventExitStatus, keyRestartForceExitStatus,
			keyRestartSec, keyRestartMaxDelaySec, keyStableSec, keyStartLimitBurst, keyStartLimitIntervalSec,
			keyRestartCooldownSec}},
		{name: sectionLog, keys: []string{keyMaxSize, keyMaxBackups, keyMaxAge, keyCompress, keyRotateEvery, keyTimestamps}},
	},
	keyNotes: withConditionNotes(map[string]string{
		// close to RestartSec, but a different thing
		"RestartSteps": "systemd's RestartSteps= is not supported: the delay doubles from RestartSec= up to RestartMaxDelaySec=",
		// close to ExecStart and TimeoutStopSec, but different things
		"ExecStartPre":    "systemd's ExecStartPre= is not supported: run such commands from ExecStart=, e.g. /bin/sh -c 'prepare && exec app'",
		"ExecStartPost":   "systemd's ExecStartPost= is not supported: superd runs nothing after a start; a webhook with Events=start, or a watcher of supers events -f, is told of each one",
		"TimeoutStartSec": "systemd's TimeoutStartSec= is not supported: superd has no start timeout",
		// in most unit files a user copies
		// A oneshot is not restarted by systemd (Restart= defaults to no
		// there, and a job is not a daemon); superd's default,
		// on-failure, would run a failing job such as a migration again
		// and again, up to the start limit.
		"Type": "systemd's Type= is not supported: ExecStart= runs as with Type=simple (a program that forks into the background and exits has ended); " +
			"for Type=oneshot, put Restart=no in its place (superd's default is Restart=on-failure, which would run a failing job again up to the start limit): the program then runs once per start, and the service is exited when it ends, whatever its exit status",
		"KillMode":    "systemd's KillMode= is not supported: a stop signals the whole process group, then the processes that left it, as KillMode=control-group does",
		"ExecStop":    "systemd's ExecStop= is not supported: a stop sends KillSignal= to the service's processes",
		"ExecReload":  "systemd's ExecReload= is not supported: send the service a signal instead (supers signal NAME HUP)",
		"SendSIGKILL": "systemd's SendSIGKILL= is not supported: with TimeoutStopSec=infinity a stop never sends SIGKILL",
		"TimeoutSec":  "systemd's TimeoutSec= is not supported: use TimeoutStopSec= (superd has no start timeout)",
		// where the output goes, the limits, a program that forks
		"StandardOutput":   "systemd's StandardOutput= is not supported: superd writes the service's stdout to <log-dir>/NAME/stdout.log, rotated as [Log] says",
		"StandardError":    "systemd's StandardError= is not supported: superd writes the service's stderr to <log-dir>/NAME/stderr.log, rotated as [Log] says",
		"StandardInput":    "systemd's StandardInput= is not supported: a service's stdin is /dev/null",
		"SyslogIdentifier": "systemd's SyslogIdentifier= is not supported: the service's output goes to log files of its own, named after the service",
		"LimitNOFILE":      "systemd's LimitNOFILE= is not supported: a service gets the soft limit superd was started with (LimitNOFILE= of superd's own unit), or raise it in ExecStart=, e.g. /bin/sh -c 'ulimit -n 65536 && exec app'",
		"PIDFile":          "systemd's PIDFile= is not supported: run the program in the foreground, as with Type=simple (superd follows the process it starts)",
		"RemainAfterExit":  "systemd's RemainAfterExit= is not supported: a service whose program ended and is not restarted is shown exited",
		"ExecStopPost":     "systemd's ExecStopPost= is not supported: superd runs nothing after a stop; a webhook with Events=stop exit, or a watcher of supers events -f, is told of each stop and exit",
		// the process's execution settings
		"Nice":                 "systemd's Nice= is not supported: a service gets superd's niceness, or set it in ExecStart=, e.g. /usr/bin/nice -n 5 app",
		"OOMScoreAdjust":       "systemd's OOMScoreAdjust= is not supported: a service gets superd's OOM score adjustment, or set it in ExecStart=, e.g. /usr/bin/choom -n 500 -- app",
		"CPUAffinity":          "systemd's CPUAffinity= is not supported: a service gets superd's CPU affinity, or set it in ExecStart=, e.g. /usr/bin/taskset -c 0,1 app",
		"IOSchedulingClass":    "systemd's IOSchedulingClass= is not supported: a service gets superd's I/O priority, or set it in ExecStart=, e.g. /usr/bin/ionice -c 3 app",
		"IOSchedulingPriority": "systemd's IOSchedulingPriority= is not supported: a service gets superd's I/O priority, or set it in ExecStart=, e.g. /usr/bin/ionice -c 2 -n 7 app",
		"LimitCORE":            "systemd's LimitCORE= is not supported: a service gets superd's limits, or raise one in ExecStart=, e.g. /bin/sh -c 'ulimit -c unlimited && exec app'",
		// the other resource limits of systemd (LimitNOFILE= is above)
		"LimitCPU":            limitNote("LimitCPU", "cpu=3600"),
		"LimitFSIZE":          limitNote("LimitFSIZE", "fsize=1073741824"),
		"LimitDATA":           limitNote("LimitDATA", "data=1073741824"),
		"LimitSTACK":          limitNote("LimitSTACK", "stack=16777216"),
		"LimitRSS":            limitNote("LimitRSS", "rss=1073741824"),
		"LimitNPROC":          limitNote("LimitNPROC", "nproc=4096"),
		"LimitMEMLOCK":        limitNote("LimitMEMLOCK", "memlock=67108864"),
		"LimitAS":             limitNote("LimitAS", "as=4294967296"),
		"LimitLOCKS":          limitNote("LimitLOCKS", "locks=1024"),
		"LimitSIGPENDING":     limitNote("LimitSIGPENDING", "sigpending=4096"),
		"LimitMSGQUEUE":       limitNote("LimitMSGQUEUE", "msgqueue=819200"),
		"LimitNICE":           limitNote("LimitNICE", "nice=30"),
		"LimitRTPRIO":         limitNote("LimitRTPRIO", "rtprio=50"),
		"LimitRTTIME":         limitNote("LimitRTTIME", "rttime=200000"),
		"SupplementaryGroups": "systemd's SupplementaryGroups= is not supported: with User=, a service gets that user's groups (from /etc/group)",
		"PassEnvironment":     "systemd's PassEnvironment= is not supported: nothing of superd's environment but PATH and the locale reaches a service; set the variables with Environment= or EnvironmentFile=",
		"UnsetEnvironment":    "systemd's UnsetEnvironment= is not supported: a service's environment is clean (PATH, HOME, USER, LOGNAME, SHELL with User=, the locale, on Windows the system's variables that programs need, and SUPERD_MARKER, by which superd finds the service's processes) plus Environment= and EnvironmentFile=",
		"DynamicUser":         "systemd's DynamicUser= is not supported: give the service a User= of its own",
		// [Unit] dependencies and metadata
		"After":               "systemd's After= is not supported: superd starts every service at once, in no order; a service that needs another must wait for it itself (and fail, to be restarted, while it is missing)",
		"Before":              "systemd's Before= is not supported: superd starts every service at once, in no order",
		"Requires":            "systemd's Requires= is not supported: superd has no dependencies between services",
		"Wants":               "systemd's Wants= is not supported: superd has no dependencies between services",
		"BindsTo":             "systemd's BindsTo= is not supported: superd has no dependencies between services",
		"PartOf":              "systemd's PartOf= is not supported: superd has no dependencies between services",
		"Documentation":       "systemd's Documentation= is not supported: keep the link in a comment, or in an X-Documentation= key (X- keys are ignored)",
		"Conflicts":           "systemd's Conflicts= is not supported: superd has no dependencies between services",
		"Requisite":           "systemd's Requisite= is not supported: superd has no dependencies between services",
		"Upholds":             "systemd's Upholds= is not supported: superd has no dependencies between services",
		"DefaultDependencies": "systemd's DefaultDependencies= is not supported: superd has no dependencies between services, default or other",
		"OnFailure":           "systemd's OnFailure= is not supported: superd starts nothing when a service fails; a webhook with Events=exit restart fatal, or a watcher of supers events -f, is told of it",
		"OnSuccess":           "systemd's OnSuccess= is not supported: superd starts nothing when a service ends; a webhook with Events=exit, or a watcher of supers events -f, is told of it",
		"StartLimitAction":    "systemd's StartLimitAction= is not supported: a service past its start limit is fatal, and superd does nothing else (RestartCooldownSec= tries it again later)",
		"FailureAction":       "systemd's FailureAction= is not supported: superd acts on the service alone, as Restart= and the start limit say, never on the system",
		"SuccessAction":       "systemd's SuccessAction= is not supported: superd acts on the service alone, as Restart= says, never on the system",
		// [Install] keys out of their section (the section has a note)
		"WantedBy":   "systemd's WantedBy= is not needed: AutoStart= says whether the service starts with superd",
		"RequiredBy": "systemd's RequiredBy= is not needed: AutoStart= says whether the service starts with superd",
		"Alias":      "systemd's Alias= is not supported: a service's name is its file's name",
		"Also":       "systemd's Also= is not supported: each service file is enabled by AutoStart= of its own",
		// starts, stops and run time
		"ExecCondition":     "systemd's ExecCondition= is not supported: run the check in ExecStart=, e.g. /bin/sh -c 'check || exit 0; exec app' (with Restart=on-failure, the default, an exit 0 is not restarted)",
		"RuntimeMaxSec":     "systemd's RuntimeMaxSec= is not supported: superd has no run time limit; wrap the command, e.g. /usr/bin/timeout 1h app (which then exits 124, a failure)",
		"RestartKillSignal": "systemd's RestartKillSignal= is not supported: a restart stops the service with KillSignal=, as a stop does",
		"FinalKillSignal":   "systemd's FinalKillSignal= is not supported: after TimeoutStopSec= a stop sends SIGKILL",
		"GuessMainPID":      "systemd's GuessMainPID= is not supported: superd follows the process it starts",
		// resource control: a service's processes are in superd's cgroup
		"MemoryMax":     cgroupNote("MemoryMax", "MemoryMax=1G"),
		"MemoryHigh":    cgroupNote("MemoryHigh", "MemoryHigh=1G"),
		"MemorySwapMax": cgroupNote("MemorySwapMax", "MemorySwapMax=0"),
		"MemoryLimit":   cgroupNote("MemoryLimit", "MemoryMax=1G"),
		"CPUQuota":      cgroupNote("CPUQuota", "CPUQuota=50%"),
		"CPUWeight":     cgroupNote("CPUWeight", "CPUWeight=50"),
		"CPUShares":     cgroupNote("CPUShares", "CPUWeight=50"),
		"IOWeight":      cgroupNote("IOWeight", "IOWeight=50"),
		"TasksMax":      cgroupNote("TasksMax", "TasksMax=512"),
		"Slice": "systemd's Slice= is not supported: a service's processes are in superd's cgroup (Slice= of superd's own unit puts all services there), " +
			"or give it a scope in that slice in ExecStart=, e.g. /usr/bin/systemd-run --scope --slice=app.slice -- app (as root: in place of User=, give systemd-run --uid=)",
		"Delegate": "systemd's Delegate= is not supported: a service's processes are in superd's cgroup, which superd delegates to none of them; " +
			"give it a scope of its own in ExecStart=, e.g. /usr/bin/systemd-run --scope -p Delegate=yes -- app",
		// superd's own unit has OOMPolicy=continue, for this reason
		"OOMPolicy": "systemd's OOMPolicy= is not supported: a process that the kernel's OOM killer ends dies as by any SIGKILL (the main process's death is a crash, which Restart= handles), as with OOMPolicy=continue; " +
			"superd's own unit needs OOMPolicy=continue, as the one installed has, or systemd stops superd and every service",
		// sd_notify: superd removes NOTIFY_SOCKET from a service's environment
		"WatchdogSec":  "systemd's WatchdogSec= is not supported: services are not sd_notify-supervised (NOTIFY_SOCKET is not passed to them), so superd restarts a service whose main process ends, not one that hangs",
		"NotifyAccess": "systemd's NotifyAccess= is not supported: services are not sd_notify-supervised (NOTIFY_SOCKET is not passed to them); ExecStart= runs as with Type=simple",
		// directories systemd creates for a service
		"RuntimeDirectory":           directoryNote("RuntimeDirectory", "/run", "RUNTIME_DIRECTORY") + " (at each boot: /run is emptied; a tmpfiles.d line does it: d /run/app 0755 app app)",
		"StateDirectory":             directoryNote("StateDirectory", "/var/lib", "STATE_DIRECTORY"),
		"CacheDirectory":             directoryNote("CacheDirectory", "/var/cache", "CACHE_DIRECTORY"),
		"LogsDirectory":              directoryNote("LogsDirectory", "/var/log", "LOGS_DIRECTORY") + " (superd itself writes the service's output to <log-dir>/NAME/)",
		"ConfigurationDirectory":     directoryNote("ConfigurationDirectory", "/etc", "CONFIGURATION_DIRECTORY"),
		"RuntimeDirectoryMode":       directoryModeNote("RuntimeDirectoryMode", "/run"),
		"StateDirectoryMode":         directoryModeNote("StateDirectoryMode", "/var/lib"),
		"CacheDirectoryMode":         directoryModeNote("CacheDirectoryMode", "/var/cache"),
		"LogsDirectoryMode":          directoryModeNote("LogsDirectoryMode", "/var/log"),
		"ConfigurationDirectoryMode": directoryModeNote("ConfigurationDirectoryMode", "/etc"),
		// privileges and sandboxing: superd sets the credentials of User=
		// and Group=, and nothing else of them
		"NoNewPrivileges": "systemd's NoNewPrivileges= is not supported: set it in ExecStart=, e.g. /usr/bin/setpriv --no-new-privs app",
		"PrivateTmp": "systemd's PrivateTmp= is not supported: the service shares the system's /tmp; point it at a directory of its own (Environment=TMPDIR=/var/tmp/app), " +
			"or give it a mount namespace in ExecStart=, e.g. /usr/bin/unshare -m sh -c 'mount -t tmpfs tmpfs /tmp && exec app' (as root)",
		"CapabilityBoundingSet": "systemd's CapabilityBoundingSet= is not supported: a service with User= starts with no capabilities, one without with root's; " +
			"bound them in ExecStart=, e.g. /usr/bin/setpriv --bounding-set=-all,+net_bind_service app",
		"AmbientCapabilities": "systemd's AmbientCapabilities= is not supported: a service with User= starts with no capabilities; leave User= out and drop to the user in ExecStart=, keeping one, " +
			"e.g. /usr/bin/setpriv --reuid=app --regid=app --init-groups --inh-caps=+net_bind_service --ambient-caps=+net_bind_service app",
		"ProtectSystem":           sandboxNote("ProtectSystem"),
		"ProtectHome":             sandboxNote("ProtectHome"),
		"ReadOnlyPaths":           sandboxNote("ReadOnlyPaths"),
		"ReadWritePaths":          sandboxNote("ReadWritePaths"),
		"InaccessiblePaths":       sandboxNote("InaccessiblePaths"),
		"PrivateDevices":          sandboxNote("PrivateDevices"),
		"PrivateNetwork":          sandboxNote("PrivateNetwork"),
		"PrivateUsers":            sandboxNote("PrivateUsers"),
		"ProtectKernelTunables":   sandboxNote("ProtectKernelTunables"),
		"ProtectKernelModules":    sandboxNote("ProtectKernelModules"),
		"ProtectKernelLogs":       sandboxNote("ProtectKernelLogs"),
		"ProtectControlGroups":    sandboxNote("ProtectControlGroups"),
		"ProtectClock":            sandboxNote("ProtectClock"),
		"ProtectHostname":         sandboxNote("ProtectHostname"),
		"RestrictAddressFamilies": sandboxNote("RestrictAddressFamilies"),
		"RestrictNamespaces":      sandboxNote("RestrictNamespaces"),
		"RestrictRealtime":        sandboxNote("RestrictRealtime"),
		"RestrictSUIDSGID":        sandboxNote("RestrictSUIDSGID"),
		"LockPersonality":         sandboxNote("LockPersonality"),
		"MemoryDenyWriteExecute":  sandboxNote("MemoryDenyWriteExecute"),
		"SystemCallFilter":        sandboxNote("SystemCallFilter"),
		"SystemCallArchitectures": sandboxNote("SystemCallArchitectures"),
		"RootDirectory":           sandboxNote("RootDirectory"),
	}),
	sectionNotes: map[string]string{
		"Install": "systemd's [Install] is not needed: AutoStart= says whether the service starts with superd",
	},
	elsewhere: DaemonFile,
	otherFile: []string{sectionDaemon, sectionWebhook},
}

// isMultiKey reports whether a key of a service file may be given several
// times; its values accumulate. Every other key may be given at most once.
func isMultiKey(key string) bool {
	switch key {
	case keyEnvironment, keyEnvironmentFile,
		keySuccessExitStatus, keyRestartPreventExitStatus, keyRestartForceExitStatus:
		return true
	}
	return false
}

// isExtension reports whether a section or key name is an extension (X-...),
// which is accepted and ignored, as in systemd.
func isExtension(name string) bool { return strings.HasPrefix(name, "X-") }

// spec returns the section named name (for a named section, the word before
// the sub-name), or nil.
func (sc *schema) spec(name string) *sectionSpec {
	for i := range sc.sections {
		if sc.sections[i].name == name {
			return &sc.sections[i]
		}
	}
	return nil
}

// isKnownKey reports whether key belongs in the section spec.
func (s *sectionSpec) isKnownKey(key string) bool { return slices.Contains(s.keys, key) }

// sectionOf returns the display name of the known section that has key, or "".
func (sc *schema) sectionOf(key string) string {
	for i := range sc.sections {
		if sc.sections[i].isKnownKey(key) {
			return sc.sections[i].display()
		}
	}
	return ""
}

// sectionHint returns the text appended to an unknown-section error for
// the header name, made of head (its first word) and rest.
func (sc *schema) sectionHint(head, rest string) string {
	if note, ok := sc.sectionNotes[head]; ok && rest == "" {
		return " (" + note + ")"
	}
	if slices.Contains(sc.otherFile, head) {
		return " (it belongs in " + sc.elsewhere + ")"
	}
	names := make([]string, len(sc.sections))
	for i, s := range sc.sections {
		names[i] = s.name
	}
	best := closest(head, names)
	if best == "" {
		return ""
	}
	if s := sc.spec(best); s.named && rest != "" {
		return " (did you mean [" + best + " " + rest + "]?)"
	}
	return " (did you mean [" + sc.spec(best).display() + "]?)"
}

// keyHint returns the text appended to an unknown-key error for key in
// the section spec: where the key belongs if it exists elsewhere, else the
// closest known key of the section, else the closest known key of another
// section. A few keys that look like known ones get an explanation instead.
func (sc *schema) keyHint(spec *sectionSpec, key string) string {
	if note, ok := sc.keyNotes[key]; ok {
		return " (" + note + ")"
	}
	if other := sc.sectionOf(key); other != "" {
		return " (it belongs in [" + other + "])"
	}
	if best := closest(key, spec.keys); best != "" {
		return " (did you mean " + best + "?)"
	}
	for i := range sc.sections {
		if s := &sc.sections[i]; s != spec {
			if best := closest(key, s.keys); best != "" {
				return " (did you mean " + best + " in [" + s.display() + "]?)"
			}
		}
	}
	return ""
}

// closest returns the candidate nearest to word by case-insensitive edit
// distance, if it is near enough to be a likely typo, else "".
func closest(word string, candidates []string) string {
	limit := min(max(1, utf8.RuneCountInString(word)/3), 3)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(word), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes,
// counting a transposition of neighbours as one edit (Damerau, restricted).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return max(len(ra), len(rb)) // nothing that long is a typo of a key
	}
	// d[i][j] is the distance between ra[:i] and rb[:j]; three rows suffice.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
