package transport

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"
)

// The random statuses the tests of the encoder and of the decoder of
// statuses share.

// randomStatus returns a status with every field set at random (or left
// zero, or nil, now and then).
func randomStatus(r *rand.Rand) ServiceStatus {
	var st ServiceStatus
	randomValue(r, reflect.ValueOf(&st).Elem())
	return st
}

// randomValue sets v, of a type a status is made of, at random. It
// panics for a kind it does not know: a field of a new kind in
// ServiceStatus needs a case here.
func randomValue(r *rand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(randomTime(r)))
		return
	}
	if r.IntN(8) == 0 && v.Kind() != reflect.Struct {
		return // the zero value, which omitempty leaves out
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randomString(r))
	case reflect.Int, reflect.Int64:
		v.SetInt(pick(r, 0, 1, -1, 7, 1234567, -98765, math.MaxInt64, math.MinInt64, r.Int64(), -r.Int64(), r.Int64N(100000)))
	case reflect.Uint64:
		v.SetUint(pick(r, 0, 1, math.MaxUint64, r.Uint64(), r.Uint64N(1<<20)))
	case reflect.Float64:
		v.SetFloat(randomFloat(r))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Pointer:
		if r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		randomValue(r, v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			randomValue(r, v.Field(i))
		}
	default:
		panic(fmt.Sprintf("randomValue: no case for %v", v.Type()))
	}
}

// pick returns one of values at random.
func pick[T any](r *rand.Rand, values ...T) T {
	return values[r.IntN(len(values))]
}

// randomTime returns a time json.Marshal can encode: years 1 to 9999, in
// zones west and east, whole hours or not, UTC and Local, with or without
// nanoseconds.
func randomTime(r *rand.Rand) time.Time {
	zones := []*time.Location{
		time.UTC, time.Local, time.FixedZone("", 3600), time.FixedZone("", -8*3600),
		time.FixedZone("IST", 5*3600+1800), time.FixedZone("", 5*3600+45*60), time.FixedZone("", 14*3600),
		time.FixedZone("", -(9*3600 + 30*60)), time.FixedZone("", 23*3600+59*60),
		time.FixedZone("LMT", 45), // seconds in the offset, which RFC 3339 cannot say
	}
	sec := r.Int64N(253402300799-(-62135596800)) - 62135596800
	nsec := pick(r, 0, r.Int64N(1e9), r.Int64N(1000)*1e6, 999999999, 1)
	t := time.Unix(sec, nsec).In(pick(r, zones...))
	if t.Year() < 1 || t.Year() > 9999 {
		t = t.UTC()
	}
	return t
}

// randomString returns a string of pieces json escapes, or that are not
// UTF-8, or not ASCII, or plain.
func randomString(r *rand.Rand) string {
	pieces := []string{
		"web", "worker-01", "a b", "<", ">", "&", `"`, `\`, "/", "\x00", "\x01", "\t", "\n", "\r", "\x1f", "\x7f",
		"\u2028", "\u2029", "é", "日本", "😀", "\ufffd", "\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xe2\x82", "\\u0041", "'", "}", "{", "]", ",", ":", " ", "null",
	}
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteString(pick(r, pieces...))
	}
	return b.String()
}

// randomFloat returns a float64 json.Marshal can encode: tiny, huge,
// negative, zero, plain.
func randomFloat(r *rand.Rand) float64 {
	return pick(r, 0, math.Copysign(0, -1), 5e-324, -5e-324, math.SmallestNonzeroFloat64*3, 1e-7, 1e-6, 1e20, 1e21,
		math.MaxFloat64, -math.MaxFloat64, 0.1, 3600.123456789, -1.5, r.Float64(), r.Float64()*1e6,
		(r.Float64()-0.5)*math.Pow(10, float64(r.IntN(600)-300)), float64(r.Int64()))
}
