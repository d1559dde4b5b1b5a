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

	keyMaxSize     = "MaxSize"
	keyMaxBackups  = "MaxBackups"
	keyMaxAge      = "MaxAge"
	keyCompress    = "Compress"
	keyRotateEvery = "RotateEvery"
)

// sectionKeys lists the known sections, in the order of the documentation,
// with their known keys.
var sectionKeys = [...]struct {
	name string
	keys []string
}{
	{sectionUnit, []string{keyDescription}},
	{sectionService, []string{keyExecStart, keyWorkingDirectory, keyEnvironment, keyEnvironmentFile,
		keyUser, keyGroup, keyAutoStart, keyKillSignal, keyTimeoutStopSec,
		keyRestart, keySuccessExitStatus, keyRestartPreventExitStatus, keyRestartForceExitStatus,
		keyRestartSec, keyRestartMaxDelaySec, keyStableSec, keyStartLimitBurst, keyStartLimitIntervalSec,
		keyRestartCooldownSec}},
	{sectionLog, []string{keyMaxSize, keyMaxBackups, keyMaxAge, keyCompress, keyRotateEvery}},
}

// isMultiKey reports whether a key may be given several times; its values
// accumulate. Every other key may be given at most once.
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

func isKnownSection(name string) bool {
	for _, s := range sectionKeys {
		if s.name == name {
			return true
		}
	}
	return false
}

func isKnownKey(section, key string) bool {
	for _, s := range sectionKeys {
		if s.name == section {
			return slices.Contains(s.keys, key)
		}
	}
	return false
}

// sectionOf returns the known section that has key, or "".
func sectionOf(key string) string {
	for _, s := range sectionKeys {
		if slices.Contains(s.keys, key) {
			return s.name
		}
	}
	return ""
}

// sectionHint returns the text appended to an unknown-section error.
func sectionHint(name string) string {
	names := make([]string, len(sectionKeys))
	for i, s := range sectionKeys {
		names[i] = s.name
	}
	if best := closest(name, names); best != "" {
		return " (did you mean [" + best + "]?)"
	}
	return ""
}

// keyHint returns the text appended to an unknown-key error for key in
// section: where the key belongs if it exists elsewhere, else the closest
// known key of the section, else the closest known key of another section.
// A few systemd keys that look like known ones get an explanation instead.
func keyHint(section, key string) string {
	if key == "RestartSteps" { // close to RestartSec, but a different thing
		return " (systemd's RestartSteps= is not supported: the delay doubles from RestartSec= up to RestartMaxDelaySec=)"
	}
	if other := sectionOf(key); other != "" {
		return " (it belongs in [" + other + "])"
	}
	for _, s := range sectionKeys {
		if s.name == section {
			if best := closest(key, s.keys); best != "" {
				return " (did you mean " + best + "?)"
			}
		}
	}
	for _, s := range sectionKeys {
		if s.name != section {
			if best := closest(key, s.keys); best != "" {
				return " (did you mean " + best + " in [" + s.name + "]?)"
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
