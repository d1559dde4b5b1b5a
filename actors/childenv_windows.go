//go:build windows

package actors

// childEnvRules are baseEnv's rules on Windows: names compare without
// case ("Path" is PATH), and a child gets the variables of the system's
// environment that Windows programs expect (a service the Service Control
// Manager starts has them): without SystemRoot or TEMP, many fail to start
// or to create a temporary file. The user's own variables stay out, as on
// Unix. With no PATH, a child gets none: Windows has no fixed default.
func childEnvRules() envRules {
	return envRules{foldCase: true, system: []string{
		"SystemRoot", "SystemDrive", "windir", "ComSpec", "PATHEXT",
		"TEMP", "TMP", "USERPROFILE", "USERNAME", "USERDOMAIN",
		"APPDATA", "LOCALAPPDATA", "ProgramData", "ALLUSERSPROFILE", "PUBLIC",
		"ProgramFiles", "ProgramFiles(x86)", "ProgramW6432",
		"CommonProgramFiles", "CommonProgramFiles(x86)", "CommonProgramW6432",
		"COMPUTERNAME", "NUMBER_OF_PROCESSORS", "OS",
		"PROCESSOR_ARCHITECTURE", "PROCESSOR_IDENTIFIER", "PROCESSOR_LEVEL", "PROCESSOR_REVISION",
	}}
}
