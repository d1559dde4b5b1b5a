//go:build !linux

package logsink

import "time"

// birthTime would return when the file at path was created; this system's
// creation time is not used, so it is unknown.
func birthTime(string) (time.Time, bool) { return time.Time{}, false }
