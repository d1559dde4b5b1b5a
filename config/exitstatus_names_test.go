package config

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// systemdExitStatusNames is systemd's table of exit status names
// (systemd.exec(5), "Process exit codes"; exit_status_mappings in its
// source), written out apart from the parser's own table.
var systemdExitStatusNames = map[string]int{
	"SUCCESS": 0, "FAILURE": 1,
	"INVALIDARGUMENT": 2, "NOTIMPLEMENTED": 3, "NOPERMISSION": 4, "NOTINSTALLED": 5, "NOTCONFIGURED": 6, "NOTRUNNING": 7,
	"USAGE": 64, "DATAERR": 65, "NOINPUT": 66, "NOUSER": 67, "NOHOST": 68, "UNAVAILABLE": 69, "SOFTWARE": 70,
	"OSERR": 71, "OSFILE": 72, "CANTCREAT": 73, "IOERR": 74, "TEMPFAIL": 75, "PROTOCOL": 76, "NOPERM": 77, "CONFIG": 78,
	"CHDIR": 200, "NICE": 201, "FDS": 202, "EXEC": 203, "MEMORY": 204, "LIMITS": 205, "OOM_ADJUST": 206,
	"SIGNAL_MASK": 207, "STDIN": 208, "STDOUT": 209, "CHROOT": 210, "IOPRIO": 211, "TIMERSLACK": 212,
	"SECUREBITS": 213, "SETSCHEDULER": 214, "CPUAFFINITY": 215, "GROUP": 216, "USER": 217, "CAPABILITIES": 218,
	"CGROUP": 219, "SETSID": 220, "CONFIRM": 221, "STDERR": 222, "PAM": 224, "NETWORK": 225, "NAMESPACE": 226,
	"NO_NEW_PRIVILEGES": 227, "SECCOMP": 228, "SELINUX_CONTEXT": 229, "PERSONALITY": 230, "APPARMOR": 231,
	"ADDRESS_FAMILIES": 232, "RUNTIME_DIRECTORY": 233, "CHOWN": 235, "SMACK_PROCESS_LABEL": 236, "KEYRING": 237,
	"STATE_DIRECTORY": 238, "CACHE_DIRECTORY": 239, "LOGS_DIRECTORY": 240, "CONFIGURATION_DIRECTORY": 241,
	"NUMA_POLICY": 242, "CREDENTIALS": 243, "BPF": 244, "KSM": 245, "MEMORY_THP": 246, "EXCEPTION": 255,
}

// The exit-status keys take the names of systemd's exit status table, as
// systemd does: the systemd.service(5) example SuccessExitStatus=TEMPFAIL
// 250 SIGKILL was refused ("TEMPFAIL" is neither an exit code nor a signal
// name). A name is its number: the Service, and so its hash, is the one of
// the same file with numbers. Lower case is refused, as by systemd, with
// the name it would take.
func TestExitStatusNames(t *testing.T) {
	parseKeys := func(keys string) (*Service, error) {
		t.Helper()
		return Parse("r", "r.service", []byte("[Service]\nExecStart=/bin/true\n"+keys+"\n"))
	}
	for _, key := range []string{keySuccessExitStatus, keyRestartPreventExitStatus, keyRestartForceExitStatus} {
		named, err := parseKeys(key + "=TEMPFAIL 250 SIGKILL")
		if err != nil {
			t.Fatalf("%s=TEMPFAIL 250 SIGKILL: %v", key, err)
		}
		numbered, err := parseKeys(key + "=75 250 SIGKILL")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(named, numbered) || named.Hash != numbered.Hash {
			t.Errorf("%s=TEMPFAIL 250 SIGKILL gives %#v (hash %s),\nwant the Service of 75 250 SIGKILL: %#v (hash %s)",
				key, named.Restart, named.Hash, numbered.Restart, numbered.Hash)
		}
	}
	for name, code := range systemdExitStatusNames {
		s, err := parseKeys("SuccessExitStatus=" + name)
		if err != nil {
			t.Errorf("SuccessExitStatus=%s: %v", name, err)
			continue
		}
		if want := (ExitStatusSet{Codes: []int{code}}); !reflect.DeepEqual(s.Restart.SuccessExitStatus, want) {
			t.Errorf("SuccessExitStatus=%s: %#v, want exit code %d", name, s.Restart.SuccessExitStatus, code)
		}
	}
	_, err := parseKeys("RestartPreventExitStatus=tempfail")
	if err == nil || !strings.Contains(err.Error(), "upper case") || !strings.Contains(err.Error(), "TEMPFAIL is exit code "+strconv.Itoa(75)) {
		t.Errorf("RestartPreventExitStatus=tempfail: %v; want an error naming TEMPFAIL, exit code 75", err)
	}
	// The man page's constant, not systemd's name for it.
	if _, err := parseKeys("SuccessExitStatus=APPARMOR_PROFILE"); err == nil {
		t.Errorf("SuccessExitStatus=APPARMOR_PROFILE accepted; systemd knows 231 as APPARMOR")
	}
}
