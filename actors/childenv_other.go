//go:build !windows

package actors

// childEnvRules are baseEnv's rules on Unix: case-sensitive names,
// systemd's default PATH, and no more variables.
func childEnvRules() envRules {
	return envRules{defaultPath: defaultPath}
}
