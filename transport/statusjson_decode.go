package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// statusReadSize is how much of the answer to GET /v1/services the fast
// decoder reads at a time, some hundred statuses.
const statusReadSize = 32 << 10

// decodeStreamFast is decodeStream's fast path: it decodes the answer to
// GET /v1/services from r, calling s.fn with each status, and reports
// whether it handed the answer, or the rest of it, over to
// decodeStreamSlow.
//
// It exists because, with many services, encoding/json's reflection spent
// more time than anything else in supers status: this decoder knows the
// one shape superd sends, json.Marshal of a []ServiceStatus, and reads it
// several times faster.
//
// Its rule is that its results (the statuses given to s.fn, s.null, the
// error) are those of decodeStreamSlow, for any answer (with the reader
// and the error offsets decodeStream's doc names). So it decodes a
// status itself only when it can do so exactly as encoding/json would:
// every key one of ServiceStatus's or ExitInfo's, spelled as in their tags
// (json also takes other cases, and ignores unknown keys), every value of
// its field's JSON type and within its range, null only for a pointer,
// with the syntax of the whole object checked. At the first element, or
// separator, it does not understand so (or that the answer ends or fails
// within), it stops and hands the rest of the answer, from there, to
// decodeStreamSlow, behind a stand-in for the statuses already given to
// s.fn (decodeSlow): the slow path then decides on all that follows, with
// the same state as if it had decoded the whole answer itself. An answer
// that is not an array goes to it whole.
//
// It reads the answer through a buffer of statusReadSize bytes, which
// grows only to hold a status larger than that: what it holds is bounded
// by the largest status, not by the answer.
func (s *statusStream) decodeStreamFast(r io.Reader) (slow bool, err error) {
	z := statusReader{r: r, buf: make([]byte, 0, statusReadSize)}
	c, ok := z.nonSpace()
	if !ok || c != '[' {
		return true, s.decodeSlow(z.rest(""), false)
	}
	z.pos++
	delivered := false // whether s.fn was called
	for {
		c, ok := z.nonSpace()
		if !ok {
			return true, s.resume(&z, delivered, false)
		}
		comma := false // whether the comma before this element was read
		switch {
		case c == ']':
			return false, nil
		case delivered && c == ',':
			z.pos++
			comma = true
			if c, ok = z.nonSpace(); !ok {
				return true, s.resume(&z, delivered, comma)
			}
		case delivered:
			return true, s.resume(&z, delivered, comma)
		}
		if c != '{' {
			return true, s.resume(&z, delivered, comma)
		}
		var st ServiceStatus
		n, ok := parseStatus(z.buf[z.pos:], &st)
		if !ok {
			// Either not understood or not all read yet: read the whole
			// element, then try again on it alone.
			elem, whole := z.element()
			st = ServiceStatus{}
			if n, ok = parseStatus(elem, &st); !whole || !ok || n != len(elem) {
				return true, s.resume(&z, delivered, comma)
			}
		}
		z.pos += n
		if err := s.fn(st); err != nil {
			s.fnErr = err
			return false, err
		}
		delivered = true
	}
}

// resume hands the rest of the answer, from z.pos, to decodeSlow, as
// decodeStreamFast's doc says: after the [ when no status was delivered,
// else after a stand-in for the delivered ones, then the comma after the
// last of them if it was read.
func (s *statusStream) resume(z *statusReader, delivered, comma bool) error {
	switch {
	case !delivered:
		return s.decodeSlow(z.rest("["), false)
	case comma:
		return s.decodeSlow(z.rest("[{},"), true)
	default:
		return s.decodeSlow(z.rest("[{}"), true)
	}
}

// statusReader reads the answer for decodeStreamFast, through a buffer.
type statusReader struct {
	r   io.Reader
	err error  // what r last returned, if not nil (io.EOF included): r is not read again
	buf []byte // what was read of r
	pos int    // where in buf the decoding is
}

// read reads more of the answer into z.buf, first dropping what is before
// z.pos (moving the rest down), growing the buffer if that is still full.
// It returns false if r ended or failed without giving anything.
func (z *statusReader) read() bool {
	if z.err != nil {
		return false
	}
	if z.pos > 0 {
		n := copy(z.buf, z.buf[z.pos:])
		z.buf = z.buf[:n]
		z.pos = 0
	}
	if len(z.buf) == cap(z.buf) {
		z.buf = append(z.buf, make([]byte, cap(z.buf))...)[:len(z.buf)]
	}
	n, err := z.r.Read(z.buf[len(z.buf):cap(z.buf)])
	z.buf = z.buf[:len(z.buf)+n]
	if err != nil {
		z.err = err
	}
	return n > 0 || err == nil
}

// nonSpace skips JSON white space and returns the byte after it, at z.pos;
// ok is false if the answer ends or fails first.
func (z *statusReader) nonSpace() (c byte, ok bool) {
	for {
		for ; z.pos < len(z.buf); z.pos++ {
			if c := z.buf[z.pos]; !isJSONSpace(c) {
				return c, true
			}
		}
		if !z.read() {
			return 0, false
		}
	}
}

// element returns the bytes of the JSON value that starts at z.pos,
// reading more of the answer until encoding/json's scanner finds it whole.
// whole is false if the answer ends or fails first, or if the scanner finds
// a byte that cannot go on with the value: then the rest of a malformed
// answer is left unread, but for what the buffer already held and at most
// one more read. One json.Decoder scans the element once, however many
// reads it takes.
func (z *statusReader) element() (b []byte, whole bool) {
	dec := json.NewDecoder(&elementFeed{z: z})
	var raw json.RawMessage
	switch err := dec.Decode(&raw); {
	case err == nil:
		end := int(dec.InputOffset())
		return z.buf[z.pos : z.pos+end], true
	case !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF):
		return nil, false // not valid JSON
	default:
		return z.buf[z.pos:], false
	}
}

// elementFeed reads the answer from z.pos on, for element's json.Decoder:
// first what z.buf holds, then each more read of the answer into z.buf,
// which keeps every byte from z.pos on (read moves them, keeping their
// offset from z.pos). It ends (io.EOF) where the answer ends or fails: the
// decoder's error then says that the element is not whole, and the slow
// path, reading the rest from z.pos again, reports why.
type elementFeed struct {
	z   *statusReader
	off int // from z.pos, of the next byte to give
}

func (f *elementFeed) Read(p []byte) (int, error) {
	for f.z.pos+f.off == len(f.z.buf) {
		if !f.z.read() {
			return 0, io.EOF
		}
	}
	n := copy(p, f.z.buf[f.z.pos+f.off:])
	f.off += n
	return n, nil
}

// rest returns a reader of prefix then the unread answer, from z.pos, r's
// error included: what decodeSlow goes on with.
func (z *statusReader) rest(prefix string) io.Reader {
	var tail io.Reader = z.r
	if z.err != nil {
		tail = errReader{z.err}
	}
	return io.MultiReader(bytes.NewReader(append([]byte(prefix), z.buf[z.pos:]...)), tail)
}

// isJSONSpace reports whether c is JSON white space.
func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// parseStatus decodes into st the JSON object at the start of b, if it is
// a status that it decodes exactly as encoding/json would (see
// decodeStreamFast) and whole in b, and returns the length of its text.
// Otherwise ok is false, and st is left in any state.
func parseStatus(b []byte, st *ServiceStatus) (n int, ok bool) {
	p := statusParser{b: b}
	if !p.status(st) {
		return 0, false
	}
	return p.i, true
}

// statusParser reads the JSON text of a status, for parseStatus. Each of
// its methods reads one value at p.i, and returns false if it is not what
// it expects, or is not whole in p.b.
type statusParser struct {
	b []byte
	i int // where the parser is in b
}

// status reads a ServiceStatus object into st, as json.Unmarshal would:
// fields absent keep their value, a key given twice sets its field twice,
// an object decoded into a pointer that is not nil decodes into what it
// points to.
func (p *statusParser) status(st *ServiceStatus) bool {
	return p.object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "name":
			st.Name, ok = p.string()
		case "state":
			var b []byte
			if b, ok = p.stringBytes(); ok {
				st.State = stateString(b)
			}
		case "pid":
			st.PID, ok = p.int()
		case "description":
			st.Description, ok = p.string()
		case "started_at":
			if ok = p.null(); ok {
				st.StartedAt = nil
				break
			}
			if st.StartedAt == nil {
				st.StartedAt = new(time.Time)
			}
			ok = p.time(st.StartedAt)
		case "uptime_seconds":
			st.UptimeSeconds, ok = p.float64()
		case "restarts":
			st.Restarts, ok = p.int()
		case "last_exit":
			if ok = p.null(); ok {
				st.LastExit = nil
				break
			}
			if st.LastExit == nil {
				st.LastExit = new(ExitInfo)
			}
			ok = p.exit(st.LastExit)
		case "error":
			st.Error, ok = p.string()
		case "next_attempt_ms":
			var n int64
			n, ok = p.signed(64)
			st.NextAttemptMS = n
		case "config_changed":
			st.ConfigChanged, ok = p.bool()
		case "log_dropped_bytes":
			st.LogDroppedBytes, ok = p.unsigned()
		}
		return ok
	})
}

// exit reads an ExitInfo object into e, as status does.
func (p *statusParser) exit(e *ExitInfo) bool {
	return p.object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "code":
			if ok = p.null(); ok {
				e.Code = nil
				break
			}
			var n int
			if n, ok = p.int(); ok {
				if e.Code == nil {
					e.Code = new(int)
				}
				*e.Code = n
			}
		case "signal":
			e.Signal, ok = p.string()
		case "core_dumped":
			e.CoreDumped, ok = p.bool()
		case "time":
			ok = p.time(&e.Time)
		case "expected":
			e.Expected, ok = p.bool()
		}
		return ok
	})
}

// object reads an object, calling member with each key (its bytes, which
// hold no escape) once p.i is at the key's value; member reads the value,
// and returns false if it could not (an unknown key included).
func (p *statusParser) object(member func(key []byte) bool) bool {
	if !p.skip('{') {
		return false
	}
	p.space()
	if p.skip('}') {
		return true
	}
	for {
		if !p.skip('"') {
			return false
		}
		start := p.i
		for p.i < len(p.b) && p.b[p.i] != '"' {
			if c := p.b[p.i]; c < ' ' || c == '\\' || c >= utf8.RuneSelf {
				return false // no key of ours
			}
			p.i++
		}
		if p.i == len(p.b) {
			return false
		}
		key := p.b[start:p.i]
		p.i++
		p.space()
		if !p.skip(':') {
			return false
		}
		p.space()
		if !member(key) {
			return false
		}
		p.space()
		if !p.skip(',') {
			return p.skip('}')
		}
		p.space()
	}
}

// space skips JSON white space.
func (p *statusParser) space() {
	for p.i < len(p.b) && isJSONSpace(p.b[p.i]) {
		p.i++
	}
}

// skip skips c if it comes next, and reports whether it did.
func (p *statusParser) skip(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// literal skips lit if it comes next, and reports whether it did.
func (p *statusParser) literal(lit string) bool {
	if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

// null reads null.
func (p *statusParser) null() bool { return p.literal("null") }

// bool reads true or false.
func (p *statusParser) bool() (v, ok bool) {
	switch {
	case p.literal("true"):
		return true, true
	case p.literal("false"):
		return false, true
	}
	return false, false
}

// string reads a string.
func (p *statusParser) string() (string, bool) {
	b, ok := p.stringBytes()
	return string(b), ok
}

// stringBytes reads a string and returns its bytes as json.Unmarshal
// would decode it: escapes decoded, each byte of invalid UTF-8 and each
// lone surrogate turned into U+FFFD. The bytes are p.b's when the string
// needs none of that.
func (p *statusParser) stringBytes() ([]byte, bool) {
	if !p.skip('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c < ' ' || c == '\\' || c >= utf8.RuneSelf:
			return p.unquote(start)
		}
		p.i++
	}
	return nil, false
}

// unquote goes on reading the string that starts at start, at its first
// byte that is not plain ASCII, at p.i: the slow part of stringBytes,
// which decodes it as encoding/json's unquoteBytes does, once its scanner
// has checked its syntax.
func (p *statusParser) unquote(start int) ([]byte, bool) {
	out := make([]byte, 0, p.i-start+64)
	out = append(out, p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return out, true
		case c < ' ':
			return nil, false // a syntax error
		case c < utf8.RuneSelf && c != '\\':
			out = append(out, c)
			p.i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(p.b[p.i:])
			out = utf8.AppendRune(out, r) // U+FFFD for a byte of invalid UTF-8
			p.i += size
		case p.i+1 == len(p.b):
			return nil, false
		default: // an escape
			e := p.b[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(p.b[p.i:])
				if r < 0 {
					return nil, false // a syntax error, or not all read
				}
				p.i += 4
				if utf16.IsSurrogate(r) {
					// As json: a pair makes one rune, a lone half U+FFFD
					// (and what follows it is read for itself).
					var r2 rune = -1
					if len(p.b)-p.i >= 2 && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
						r2 = hex4(p.b[p.i+2:])
					}
					if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
						p.i += 6
						out = utf8.AppendRune(out, d)
						break
					}
					r = unicode.ReplacementChar
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, false // a syntax error
			}
		}
	}
	return nil, false
}

// hex4 returns the number that the 4 hexadecimal digits at the start of b
// write, or -1 if b does not start with 4 of them.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// stateString returns b as a string, without allocating for the states
// superd reports.
func stateString(b []byte) string {
	switch string(b) {
	case StateStopped:
		return StateStopped
	case StateStarting:
		return StateStarting
	case StateRunning:
		return StateRunning
	case StateStopping:
		return StateStopping
	case StateExited:
		return StateExited
	case StateExecFailed:
		return StateExecFailed
	case StateBackoff:
		return StateBackoff
	case StateFatal:
		return StateFatal
	}
	return string(b)
}

// time reads a string into t with t.UnmarshalJSON, which json.Unmarshal
// calls with the same bytes. A string with an escape (which UnmarshalJSON
// does not decode) is left to the slow path.
func (p *statusParser) time(t *time.Time) bool {
	if p.i == len(p.b) || p.b[p.i] != '"' {
		return false
	}
	start := p.i
	for p.i++; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return t.UnmarshalJSON(p.b[start:p.i]) == nil
		case c < ' ' || c == '\\':
			return false
		}
	}
	return false
}

// integer reads a number written as an integer, -?(0|[1-9][0-9]*), and
// returns its sign and magnitude; ok is false for any other number (a
// fraction, an exponent: json refuses them for an integer field), or a
// magnitude past a uint64's.
func (p *statusParser) integer() (neg bool, n uint64, ok bool) {
	neg = p.skip('-')
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		c := p.b[p.i]
		if c < '0' || c > '9' {
			break
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return false, 0, false
		}
		n = n*10 + d
	}
	if digits := p.i - start; digits == 0 || digits > 1 && p.b[start] == '0' {
		return false, 0, false
	}
	if p.i < len(p.b) {
		if c := p.b[p.i]; c == '.' || c == 'e' || c == 'E' {
			return false, 0, false
		}
	}
	return neg, n, true
}

// int reads an integer that fits an int.
func (p *statusParser) int() (int, bool) {
	n, ok := p.signed(strconv.IntSize)
	return int(n), ok
}

// signed reads an integer that fits a signed integer of the size given in
// bits.
func (p *statusParser) signed(bits int) (int64, bool) {
	neg, n, ok := p.integer()
	limit := uint64(1) << (bits - 1)
	switch {
	case !ok:
		return 0, false
	case neg && n <= limit:
		return -int64(n), true // -1<<63 included
	case !neg && n < limit:
		return int64(n), true
	}
	return 0, false
}

// unsigned reads an integer that fits a uint64: json refuses a minus sign
// there, even that of -0.
func (p *statusParser) unsigned() (uint64, bool) {
	neg, n, ok := p.integer()
	return n, ok && !neg
}

// float64 reads a number as json.Unmarshal does for a float64: checked
// against JSON's grammar, then strconv.ParseFloat, whose range error json
// refuses too.
func (p *statusParser) float64() (float64, bool) {
	start := p.i
	p.skip('-')
	switch {
	case p.skip('0'):
	case p.i < len(p.b) && '1' <= p.b[p.i] && p.b[p.i] <= '9':
		p.digits()
	default:
		return 0, false
	}
	if p.skip('.') && !p.digits() {
		return 0, false
	}
	if p.skip('e') || p.skip('E') {
		if !p.skip('+') {
			p.skip('-')
		}
		if !p.digits() {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	return f, err == nil
}

// digits skips decimal digits and reports whether there was one.
func (p *statusParser) digits() bool {
	start := p.i
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}
