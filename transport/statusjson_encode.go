package transport

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
)

// appendStatuses appends to b what json.Marshal returns for l, byte for
// byte, without its reflection: an answer to GET /v1/services of 1000
// services took encoding/json about 0.6 ms and a third of superd's time.
// Any value it cannot write as json.Marshal would (a string that needs
// escaping is still written, through json.Marshal of that string; an
// infinite uptime, or a time json refuses, is not) makes it append
// json.Marshal(l) instead, or return its error.
func appendStatuses(b []byte, l []ServiceStatus) ([]byte, error) {
	if l == nil {
		return append(b, "null"...), nil
	}
	start := len(b)
	b = slices.Grow(b, 2+len(l)*224) // some 180 bytes a service
	b = append(b, '[')
	for i := range l {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendStatus(b, &l[i]); !ok {
			j, err := json.Marshal(l)
			if err != nil {
				return nil, err
			}
			return append(b[:start], j...), nil
		}
	}
	return append(b, ']'), nil
}

// marshalStatus is appendStatuses for one status, to a new buffer.
func marshalStatus(st *ServiceStatus) ([]byte, error) {
	b, ok := appendStatus(make([]byte, 0, 256), st)
	if !ok {
		return json.Marshal(st)
	}
	return b, nil
}

// appendStatus appends st to b as json.Marshal writes it; false if it
// cannot (see appendStatuses). The fields are in ServiceStatus's order,
// with its tags' names and omitempty rules.
func appendStatus(b []byte, st *ServiceStatus) ([]byte, bool) {
	ok := true
	b = append(b, `{"name":`...)
	b = appendString(b, st.Name)
	b = append(b, `,"state":`...)
	b = appendString(b, st.State)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(st.PID), 10)
	b = append(b, `,"description":`...)
	b = appendString(b, st.Description)
	if st.StartedAt != nil {
		b = append(b, `,"started_at":`...)
		if b, ok = appendTime(b, *st.StartedAt); !ok {
			return b, false
		}
	}
	b = append(b, `,"uptime_seconds":`...)
	if b, ok = appendFloat(b, st.UptimeSeconds); !ok {
		return b, false
	}
	b = append(b, `,"restarts":`...)
	b = strconv.AppendInt(b, int64(st.Restarts), 10)
	b = append(b, `,"last_exit":`...)
	if e := st.LastExit; e == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		if e.Code != nil {
			b = append(b, `"code":`...)
			b = strconv.AppendInt(b, int64(*e.Code), 10)
			b = append(b, ',')
		}
		if e.Signal != "" {
			b = append(b, `"signal":`...)
			b = appendString(b, e.Signal)
			b = append(b, ',')
		}
		if e.CoreDumped {
			b = append(b, `"core_dumped":true,`...)
		}
		b = append(b, `"time":`...)
		if b, ok = appendTime(b, e.Time); !ok {
			return b, false
		}
		b = append(b, `,"expected":`...)
		b = strconv.AppendBool(b, e.Expected)
		b = append(b, '}')
	}
	if st.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, st.Error)
	}
	if st.NextAttemptMS != 0 {
		b = append(b, `,"next_attempt_ms":`...)
		b = strconv.AppendInt(b, st.NextAttemptMS, 10)
	}
	if st.ConfigChanged {
		b = append(b, `,"config_changed":true`...)
	}
	if st.LogDroppedBytes != 0 {
		b = append(b, `,"log_dropped_bytes":`...)
		b = strconv.AppendUint(b, st.LogDroppedBytes, 10)
	}
	return append(b, '}'), true
}

// appendString appends s quoted as json.Marshal quotes it. A string of
// printable ASCII that json leaves alone (no quote, backslash, or the <, >
// and & it escapes for HTML) is copied; any other goes through
// json.Marshal, whose escaping rules (control characters, invalid UTF-8,
// U+2028 and U+2029) are then its own.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendFloat appends f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form below 1e-6 and from 1e21
// on, with a one-digit negative exponent not zero-padded. false for NaN and
// the infinities, which json refuses.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendTime appends t quoted, as time.Time's MarshalJSON writes it (RFC
// 3339 with the nanoseconds it has); false for a time it refuses (a year
// outside 0–9999, say).
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	out, err := t.AppendText(b)
	if err != nil {
		return b, false
	}
	return append(out, '"'), true
}
