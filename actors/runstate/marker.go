package runstate

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"slices"
	"strings"
)

// MarkerEnv is the environment variable that marks the processes of a
// superd: give every service this variable, set to what [Store.Marker]
// returns for the service's name.
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

// newMarkerID returns a new random marker id: markerIDPrefix, then 128
// bits in base32.
func newMarkerID() string { return markerIDPrefix + rand.Text() }

// markerIDPrefix starts the marker ids of the tagged markers. An id
// without it is one a superd from before the tags made, and gave to every
// service in its environment ("ID:NAME"): any service that ran then may
// know it, and so could make every tag under it. Open replaces such an
// id (see tagged).
const markerIDPrefix = "t1."

// tagged reports whether id is a marker id made for tagged markers.
func tagged(id string) bool { return strings.HasPrefix(id, markerIDPrefix) }

// markerValue returns the value of MarkerEnv for service under the marker
// id: "TAG:SERVICE", where TAG is markerTag(id, service). The id itself is
// not in it: a service sees its own marker, and could otherwise write
// another service's into the environment of a process of its own (a
// process that ignores SIGTERM, taken for that service's by its stop, its
// usage and KillStale).
func markerValue(id, service string) string { return markerTag(id, service) + ":" + service }

// markerTag returns the tag of service's marker under id: an HMAC of the
// name keyed by the id (kept in the state file, which only superd's user
// may read), 128 bits in base32.
func markerTag(id, service string) string {
	m := hmac.New(sha256.New, []byte(id))
	m.Write([]byte(service))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)[:16])
}

// MarkedService returns the service named by a MarkerEnv entry of the
// marker id (a state file's) in environ, a NUL-separated environment as in
// /proc/PID/environ, and whether there is one. A marker of a superd from
// before the tags, "ID:SERVICE", is one too.
func MarkedService(environ []byte, id string) (string, bool) {
	prefix := []byte(MarkerEnv + "=")
	for kv := range bytes.SplitSeq(environ, []byte{0}) {
		v, ok := bytes.CutPrefix(kv, prefix)
		if !ok {
			continue
		}
		tag, service, ok := bytes.Cut(v, []byte(":"))
		if !ok || len(service) == 0 {
			continue
		}
		if string(tag) == id || hmac.Equal(tag, []byte(markerTag(id, string(service)))) {
			return string(service), true
		}
	}
	return "", false
}

// markerIDs returns the marker ids whose processes KillStale looks for:
// the file's, then those of the superds before it.
func (st State) markerIDs() []string {
	var ids []string
	if st.Marker != "" {
		ids = append(ids, st.Marker)
	}
	for _, id := range st.PreviousMarkers {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// markedServiceOf is [MarkedService] for any of the marker ids ids.
func markedServiceOf(environ []byte, ids []string) (string, bool) {
	for _, id := range ids {
		if service, ok := MarkedService(environ, id); ok {
			return service, true
		}
	}
	return "", false
}
