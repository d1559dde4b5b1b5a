package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// errAnswerRead is the read error of an answerReader.
var errAnswerRead = errors.New("connection reset")

// errStopListing is what the fn of decodeWith returns to stop.
var errStopListing = errors.New("enough")

// answerReader reads data at most chunk bytes at a time (all at once when
// chunk is 0), then fails with fail, again and again (io.EOF if nil). With
// eager, the read that gives the last of data fails already, as an HTTP
// body of a known length does.
type answerReader struct {
	data  []byte
	chunk int
	fail  error
	eager bool
	read  int // bytes read so far
}

func (r *answerReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, cmpErr(r.fail, io.EOF)
	}
	if r.chunk > 0 && len(p) > r.chunk {
		p = p[:r.chunk]
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	r.read += n
	if r.eager && len(r.data) == 0 {
		return n, cmpErr(r.fail, io.EOF)
	}
	return n, nil
}

// cmpErr returns err, or def if err is nil.
func cmpErr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// decodeResult is what decoding one answer gave.
type decodeResult struct {
	statuses []ServiceStatus // given to fn, in order
	null     bool
	fnErr    error
	err      error
	slow     bool // whether the fast path handed over to the slow one
}

// answerCase is how an answer is read: in chunks of chunk bytes, failing
// with errAnswerRead past failAt bytes if failAt >= 0, fn failing at its
// call number stopAt if stopAt > 0.
type answerCase struct {
	chunk, failAt, stopAt int
	eager                 bool // see answerReader
}

// decodeWith decodes data as c says, with the fast path (decodeStream) or
// the slow one (decodeStreamSlow).
func decodeWith(data []byte, c answerCase, fast bool) decodeResult {
	var res decodeResult
	s := statusStream{fn: func(st ServiceStatus) error {
		res.statuses = append(res.statuses, st)
		if len(res.statuses) == c.stopAt {
			return errStopListing
		}
		return nil
	}}
	r := &answerReader{data: data, chunk: c.chunk, eager: c.eager}
	if c.failAt >= 0 && c.failAt <= len(data) {
		r.data, r.fail = data[:c.failAt], errAnswerRead
	}
	if fast {
		res.slow, res.err = s.decodeStreamFast(r)
	} else {
		res.err = s.decodeStreamSlow(r)
	}
	res.null, res.fnErr = s.null, s.fnErr
	return res
}

// errorClass tells errors apart as callers of List do.
func errorClass(err error) string {
	var (
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return "nil"
	case errors.As(err, &se):
		return "syntax"
	case errors.As(err, &ute):
		return "type"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, errAnswerRead):
		return "read"
	case errors.Is(err, errStopListing):
		return "fn"
	}
	return fmt.Sprintf("other %T", err)
}

// sameResults returns what differs between got (fast) and want (slow), ""
// if nothing does: the statuses (times compared by instant, zone name and
// offset too), null, fn's error and the error, by class and message.
func sameResults(got, want decodeResult) string {
	var diffs []string
	if len(got.statuses) != len(want.statuses) {
		diffs = append(diffs, fmt.Sprintf("%d statuses, want %d", len(got.statuses), len(want.statuses)))
	}
	for i := range min(len(got.statuses), len(want.statuses)) {
		if d := statusDiff(got.statuses[i], want.statuses[i]); d != "" {
			diffs = append(diffs, fmt.Sprintf("status %d: %s", i, d))
		}
	}
	if got.null != want.null {
		diffs = append(diffs, fmt.Sprintf("null %v, want %v", got.null, want.null))
	}
	if got.fnErr != want.fnErr { //nolint:errorlint // the same error, unwrapped
		diffs = append(diffs, fmt.Sprintf("fnErr %v, want %v", got.fnErr, want.fnErr))
	}
	if errorClass(got.err) != errorClass(want.err) || fmt.Sprint(got.err) != fmt.Sprint(want.err) {
		diffs = append(diffs, fmt.Sprintf("error %s %q, want %s %q", errorClass(got.err), fmt.Sprint(got.err),
			errorClass(want.err), fmt.Sprint(want.err)))
	}
	if want.fnErr != nil && got.err != want.fnErr { //nolint:errorlint // returned unwrapped
		diffs = append(diffs, fmt.Sprintf("error %v is not fn's", got.err))
	}
	return strings.Join(diffs, "; ")
}

// statusDiff describes how got differs from want, "" if it does not.
func statusDiff(got, want ServiceStatus) string {
	if reflect.DeepEqual(got, want) && sameTimes(reflect.ValueOf(got), reflect.ValueOf(want)) {
		return ""
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return fmt.Sprintf("got %#v\n%s\nwant %#v\n%s", got, g, want, w)
}

// sameTimes reports whether the time.Time values within a and b, of the
// same type, are the same instant in zones of the same name and offset.
func sameTimes(a, b reflect.Value) bool {
	if a.Type() == reflect.TypeFor[time.Time]() {
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		na, oa := ta.Zone()
		nb, ob := tb.Zone()
		return ta.Equal(tb) && na == nb && oa == ob && ta.Location().String() == tb.Location().String()
	}
	switch a.Kind() {
	case reflect.Pointer:
		return a.IsNil() || sameTimes(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameTimes(a.Field(i), b.Field(i)) {
				return false
			}
		}
	}
	return true
}

// checkFastAsSlow fails if the fast path decodes data otherwise than the
// slow one, read as c says; it returns the fast path's result.
func checkFastAsSlow(t *testing.T, data []byte, c answerCase) decodeResult {
	t.Helper()
	got, want := decodeWith(data, c, true), decodeWith(data, c, false)
	if d := sameResults(got, want); d != "" {
		t.Fatalf("%q, read %+v: %s", data, c, d)
	}
	return got
}

// readCases are ways to read an answer of n bytes that matter: whole, a
// byte at a time, in odd chunks; failing at its start, middle and end; fn
// failing.
func readCases(n int) []answerCase {
	return []answerCase{
		{failAt: -1}, {chunk: 1, failAt: -1}, {chunk: 7, failAt: -1}, {chunk: 100, failAt: -1},
		{failAt: 0}, {failAt: n / 2}, {chunk: 3, failAt: n / 3}, {failAt: n - 1}, {failAt: n},
		{failAt: -1, stopAt: 1}, {chunk: 5, failAt: -1, stopAt: 2},
		{failAt: -1, eager: true}, {chunk: 7, failAt: -1, eager: true}, {chunk: 11, failAt: n / 2, eager: true},
	}
}

// marshalAnswer is the answer superd sends with list.
func marshalAnswer(t testing.TB, list []ServiceStatus) []byte {
	t.Helper()
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestStatusStreamDecodeRandom decodes random answers as superd sends
// them, read in many ways, with the fast path and the slow one: they must
// agree, and the fast path must not need the slow one.
func TestStatusStreamDecodeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		list := make([]ServiceStatus, r.IntN(12))
		for j := range list {
			list[j] = randomStatus(r)
		}
		data := marshalAnswer(t, list)
		for _, c := range readCases(len(data)) {
			got := checkFastAsSlow(t, data, c)
			if c.failAt < 0 && got.slow {
				t.Fatalf("answer %d, read %+v: the slow path decoded some of %s", i, c, data)
			}
			if c.failAt < 0 && c.stopAt == 0 && len(got.statuses) != len(list) {
				t.Fatalf("answer %d: %d statuses, want %d", i, len(got.statuses), len(list))
			}
		}
	}
}

// TestStatusStreamDecodeSuperdAnswer decodes the answer superd sends for
// the benchmark's statuses without the slow path, as json would.
func TestStatusStreamDecodeSuperdAnswer(t *testing.T) {
	list := benchStatuses(1000)
	data := marshalAnswer(t, list)
	got := checkFastAsSlow(t, data, answerCase{failAt: -1})
	if got.slow || len(got.statuses) != len(list) {
		t.Fatalf("slow path used: %v; %d statuses, want %d", got.slow, len(got.statuses), len(list))
	}
	var want []ServiceStatus
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if d := statusDiff(got.statuses[i], want[i]); d != "" {
			t.Fatalf("status %d: %s", i, d)
		}
	}
}

// TestStatusStreamDecodeBigElement decodes a status larger than the read
// buffer, between others, read in small chunks and whole.
func TestStatusStreamDecodeBigElement(t *testing.T) {
	big := ServiceStatus{Name: "big", Description: strings.Repeat("<ab\u00e9\"", 3*statusReadSize/5), Error: strings.Repeat("x", statusReadSize)}
	list := []ServiceStatus{{Name: "a"}, big, {Name: "b"}, big}
	data := marshalAnswer(t, list)
	for _, c := range []answerCase{{failAt: -1}, {chunk: 1000, failAt: -1}, {failAt: len(data) - 100}} {
		got := checkFastAsSlow(t, data, c)
		if c.failAt < 0 && (got.slow || len(got.statuses) != len(list)) {
			t.Fatalf("read %+v: slow path used: %v; %d statuses, want %d", c, got.slow, len(got.statuses), len(list))
		}
	}
}

// TestStatusStreamDecodeMutated decodes answers as superd sends them with
// a few bytes replaced, inserted or deleted, or cut, with the fast path and
// the slow one: they must agree.
func TestStatusStreamDecodeMutated(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{`"`, `\`, "{", "}", "[", "]", ",", ":", " ", "0", "-", ".", "e", "1", "null", "true", "A", "\xff", `\u00`, "\x00"}
	for range 3000 {
		list := make([]ServiceStatus, 1+r.IntN(3))
		for j := range list {
			list[j] = randomStatus(r)
		}
		data := marshalAnswer(t, list)
		for range 1 + r.IntN(3) {
			if len(data) == 0 {
				break
			}
			i := r.IntN(len(data))
			switch r.IntN(4) {
			case 0:
				data = append(data[:i:i], append([]byte(pick(r, pieces...)), data[i:]...)...)
			case 1:
				data = append(data[:i:i], data[i+1:]...)
			case 2:
				data[i] = pick(r, pieces...)[0]
			default:
				data = data[:i]
			}
		}
		checkFastAsSlow(t, data, answerCase{failAt: -1})
		checkFastAsSlow(t, data, answerCase{chunk: 1 + r.IntN(64), failAt: r.IntN(len(data) + 2), stopAt: r.IntN(3)})
	}
}

// fastSeeds are answers for the fast path's corner cases: valid, escaped,
// cut, with keys of another case or unknown, numbers json refuses for an
// integer, values of another type, broken syntax after a good status.
func fastSeeds() []string {
	full := `{"name":"web","state":"running","pid":42,"description":"the web \u003cserver\u003e \u0026 more",` +
		`"started_at":"2025-01-02T03:04:05.123456789+02:00","uptime_seconds":3600.5,"restarts":3,` +
		`"last_exit":{"code":1,"signal":"SIGKILL","time":"2025-01-02T03:04:05Z","expected":true},` +
		`"error":"exec: \"x\": not found","next_attempt_ms":1500,"config_changed":true,"log_dropped_bytes":18446744073709551615}`
	seeds := []string{
		"[" + full + "]\n", "[" + full + "," + full + "]", " [ " + strings.ReplaceAll(full, ",", " ,\n\t") + " ] ",
		"[" + full + "," + full, "[" + full + ",", "[" + full, "[" + full + " x", "[" + full + "]x", "[" + full + ",]",
		"[" + full + "}", "[" + full + "," + full[:len(full)/2], "[{},{}]", "[{}  ,  {} ]",
		`[{"name":"a"},{"Name":"b"}]`, `[{"name":"a"},{"NAME":"b"},{"name":"c"}]`, `[{"name":"a"},{"n\u0061me":"b"}]`,
		`[{"name":"a"},{"nam\u212a":"b"}]`, `[{"name":"a"},{"other":1},{"name":"c"}]`, `[{"name":"a","x":{"y":[1,2]}}]`,
		`[{"pid":1e3}]`, `[{"pid":-0}]`, `[{"pid":1.0}]`, `[{"pid":01}]`, `[{"pid":-}]`, `[{"pid":9223372036854775807}]`,
		`[{"pid":9223372036854775808}]`, `[{"pid":-9223372036854775808}]`, `[{"pid":-9223372036854775809}]`,
		`[{"log_dropped_bytes":-0}]`, `[{"log_dropped_bytes":18446744073709551616}]`, `[{"next_attempt_ms":1E2}]`,
		`[{"uptime_seconds":1e400}]`, `[{"uptime_seconds":-0}]`, `[{"uptime_seconds":1e-400}]`, `[{"uptime_seconds":1.}]`,
		`[{"uptime_seconds":.5}]`, `[{"uptime_seconds":1E+2}]`, `[{"uptime_seconds":"1"}]`, `[{"uptime_seconds":null}]`,
		`[{"pid":null}]`, `[{"pid":5,"pid":null}]`, `[{"name":null}]`, `[{"config_changed":null}]`, `[{"config_changed":1}]`,
		`[{"started_at":null}]`, `[{"started_at":"2025-01-02T03:04:05Z","started_at":null}]`, `[{"started_at":"2025-13-02T03:04:05Z"}]`,
		`[{"started_at":"2025-01-02T03:04:05\u005a"}]`, `[{"started_at":"2025-01-02T03:04:05Z"},{"started_at":5}]`,
		`[{"last_exit":{"code":1},"last_exit":{"signal":"SIGTERM"}}]`, `[{"last_exit":{"code":1},"last_exit":null}]`,
		`[{"last_exit":{"code":null,"time":null}}]`, `[{"last_exit":{"Code":1}}]`, `[{"last_exit":{}}]`, `[{"last_exit":[]}]`,
		`[{"name":"a","name":"b"}]`, `[{"name":"\ud83d\ude00 \ud800 \udc00 \ud800\u0041 \ud800\ud800 \u00e9"}]`,
		"[{\"name\":\"\xff\xc3\xed\xa0\x80 \xe2\x82\"}]", "[{\"name\":\"a\x01\"}]", `[{"name":"\x"}]`, `[{"name":"\u12"}]`,
		`[{"name":"\'"}]`, `[{"name":"a" "state":"b"}]`, `[{"name":"a",}]`, `[{,}]`, `[{"name"}]`, `[{"name":}]`,
		`[{"name":"a"}{"name":"b"}]`, `[{"name":"a"},null]`, `[{"name":"a"},1]`, `[null,{"name":"a"}]`, "[{\"name\":\"a\"}\x00]",
		`[{"config_changed":tru}]`, `[{"config_changed":truex}]`, `[{"config_changed":false}]`, `[{"pid":1}`, `[{"pid":1`,
		`[{"name":"a"},{"pid":"x"},{"name":"b"}]`, `[{"name":"a"},{"started_at":0},{"name":"b"}]`,
		"\ufeff[]", "[\n]", "[ ,]", "[]]", "", "  ", "null", "nul", "[", "[{",
	}
	return seeds
}

func TestStatusStreamDecodeSeeds(t *testing.T) {
	for _, body := range append(fastSeeds(), listBodies()...) {
		for _, c := range readCases(len(body)) {
			checkFastAsSlow(t, []byte(body), c)
		}
	}
}

// FuzzStatusStreamDecode compares the fast path with the slow one on any
// answer, read in chunks of chunk bytes (whole if 0), failing past cut-1
// bytes (if cut > 0), fn failing at its call number stop (if > 0).
func FuzzStatusStreamDecode(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	var seeds []string
	for range 20 {
		list := make([]ServiceStatus, r.IntN(4))
		for j := range list {
			list[j] = randomStatus(r)
		}
		seeds = append(seeds, string(marshalAnswer(f, list)))
	}
	seeds = append(seeds, string(marshalAnswer(f, benchStatuses(3))))
	for _, body := range append(append(seeds, fastSeeds()...), listBodies()...) {
		f.Add([]byte(body), uint8(0), uint16(0), uint8(0))
	}
	f.Add([]byte(fastSeeds()[0]), uint8(3), uint16(0), uint8(0))
	f.Add([]byte(fastSeeds()[1]), uint8(0), uint16(200), uint8(0))
	f.Add([]byte(fastSeeds()[1]), uint8(9), uint16(0), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, cut uint16, stop uint8) {
		checkFastAsSlow(t, data, answerCase{chunk: int(chunk), failAt: int(cut) - 1, stopAt: int(stop)})
	})
}

// benchStatuses returns n statuses like those superd reports: most
// running, some stopped after an exit, some backing off.
func benchStatuses(n int) []ServiceStatus {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.Local)
	list := make([]ServiceStatus, n)
	for i := range list {
		st := ServiceStatus{
			Name:        fmt.Sprintf("worker-%04d", i),
			State:       StateRunning,
			Description: fmt.Sprintf("Queue worker %d of the billing pipeline", i),
			Restarts:    i % 7,
		}
		code := i % 3
		exit := &ExitInfo{Code: &code, Time: now.Add(-time.Duration(i) * time.Minute), Expected: i%2 == 0}
		switch i % 10 {
		case 8:
			st.State, st.LastExit = StateStopped, exit
		case 9:
			st.State, st.LastExit = StateBackoff, &ExitInfo{Signal: "SIGKILL", Time: exit.Time}
			st.Error, st.NextAttemptMS = "exit status 1", int64(1000+i)
		default:
			started := now.Add(-time.Duration(i)*time.Second - time.Duration(i*7919)*time.Microsecond)
			st.PID, st.StartedAt = 20000+i, &started
			st.UptimeSeconds = now.Sub(started).Seconds() + 0.123456789
			if i%4 == 0 {
				st.LastExit = exit
			}
		}
		st.ConfigChanged = i%50 == 0
		if i%100 == 0 {
			st.LogDroppedBytes = 4096
		}
		list[i] = st
	}
	return list
}

// BenchmarkStatusStreamDecode decodes the answer superd sends for 1000
// services, with the fast path and with encoding/json alone.
func BenchmarkStatusStreamDecode(b *testing.B) {
	data := marshalAnswer(b, benchStatuses(1000))
	for _, bc := range []struct {
		name string
		fast bool
	}{{"fast", true}, {"slow", false}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			n := 0
			s := statusStream{fn: func(ServiceStatus) error { n++; return nil }}
			for b.Loop() {
				var err error
				if bc.fast {
					err = s.decodeStream(bytes.NewReader(data))
				} else {
					err = s.decodeStreamSlow(bytes.NewReader(data))
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			if n%1000 != 0 {
				b.Fatalf("%d statuses", n)
			}
		})
	}
}

// TestStatusStreamDecodeStopsAtMalformed checks that the fast path, at an
// element that is not valid JSON, hands over at once instead of reading
// on to find where the element ends: a malformed answer is not read to its
// end (nor waited for, if it stalls), as json.Decoder does not read it.
func TestStatusStreamDecodeStopsAtMalformed(t *testing.T) {
	valid := marshalAnswer(t, benchStatuses(20000)) // some 4 MB
	for _, head := range []string{`[{"x":[},`, `[{"name":"a"},{"x":[},`, `[{"name" 1 [`, `[{"name":"a","pid":1e}`} {
		data := append([]byte(head), valid[1:]...)
		var got [2]int
		for i, fast := range []bool{true, false} {
			s := statusStream{fn: func(ServiceStatus) error { return nil }}
			r := &answerReader{data: data, chunk: 4096}
			if fast {
				_, _ = s.decodeStreamFast(r)
			} else {
				_ = s.decodeStreamSlow(r)
			}
			got[i] = r.read
		}
		if got[0] > 2*statusReadSize+got[1] {
			t.Errorf("%s...: the fast path read %d bytes of %d, the slow one %d", head, got[0], len(data), got[1])
		}
		checkFastAsSlow(t, data, answerCase{chunk: 4096, failAt: -1})
	}
}

// TestStatusStreamDecodeLargeElementOnce checks that a status far larger
// than the read buffer, read a little at a time, is scanned once: finding
// its end took a fresh scan of all of it read so far after each read (5.5
// GB allocated for a status of 4 MiB read 4 KiB at a time).
func TestStatusStreamDecodeLargeElementOnce(t *testing.T) {
	big := []ServiceStatus{{Name: "a", Description: strings.Repeat("d", 4<<20)}, {Name: "b"}}
	data := marshalAnswer(t, big)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := checkFastAsSlow(t, data, answerCase{chunk: 4096, failAt: -1})
	runtime.ReadMemStats(&after)
	if len(got.statuses) != 2 || got.err != nil {
		t.Fatalf("decoded %d statuses, %v; want 2", len(got.statuses), got.err)
	}
	// Both paths ran: each holds the status a few times over (the read
	// buffer, json's, the string), some 20-40 MB together.
	if n := after.TotalAlloc - before.TotalAlloc; n > 200<<20 {
		t.Errorf("decoding a 4 MiB status allocated %d MB", n>>20)
	}
}
