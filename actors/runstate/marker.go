package runstate

import (
	"bytes"
	"crypto/rand"
)

// MarkerEnv is the environment variable that marks the processes of a
// superd: give every service the variable MarkerEnv=[Store.Marker](name).
// Descendants inherit it, so [KillStale] can find what a previous superd
// left, even processes whose group leader is gone or that left the group.
const MarkerEnv = "SUPERD_MARKER"

// NewMarker returns what [Store.Marker] returns, under a new random id,
// for a supervisor without a state file: the processes of its services
// that leave their process group can still be found while it runs (by the
// subreaper's search), though not by [KillStale] after it.
func NewMarker() func(service string) string {
	id := newMarkerID()
	return func(service string) string { return markerValue(id, service) }
}

// newMarkerID returns a new random marker id (128 bits, base32).
func newMarkerID() string { return rand.Text() }

// markerValue returns the value of MarkerEnv for service under the marker
// id: "ID:SERVICE".
func markerValue(id, service string) string { return id + ":" + service }

// markedService returns the service named by the MarkerEnv entry for id in
// environ, a NUL-separated environment as in /proc/PID/environ, and
// whether there is one.
func markedService(environ []byte, id string) (string, bool) {
	prefix := []byte(MarkerEnv + "=" + markerValue(id, ""))
	for kv := range bytes.SplitSeq(environ, []byte{0}) {
		if service, ok := bytes.CutPrefix(kv, prefix); ok && len(service) > 0 {
			return string(service), true
		}
	}
	return "", false
}
