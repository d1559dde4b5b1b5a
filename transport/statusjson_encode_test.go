package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// randomFill sets v, and every field under it, to a random value of its
// kind, zero values often (for omitempty), so that a field added to
// ServiceStatus later is covered without touching the tests. It fails t
// for a kind it has no values for.
func randomFill(t testing.TB, rng *rand.Rand, v reflect.Value) {
	t.Helper()
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(randomTime(rng)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randomString(rng))
	case reflect.Int, reflect.Int64:
		v.SetInt(randomInt(rng))
	case reflect.Uint64:
		v.SetUint(uint64(randomInt(rng)) * uint64(1+rng.IntN(3)))
	case reflect.Float64:
		v.SetFloat(randomFloat(rng))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Pointer:
		if rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		randomFill(t, rng, p.Elem())
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			randomFill(t, rng, v.Field(i))
		}
	default:
		t.Fatalf("randomFill: no values for %s; add them", v.Type())
	}
}

// randomStatuses returns n random statuses.
func randomStatuses(t testing.TB, rng *rand.Rand, n int) []ServiceStatus {
	l := make([]ServiceStatus, n)
	for i := range l {
		randomFill(t, rng, reflect.ValueOf(&l[i]).Elem())
	}
	return l
}

var testStrings = []string{
	"", "", "s1", "web-api_2.x", "running", "a <b> & c", `quote " and \ backslash`,
	"ctl \x01\x1f\n\r\t\b\f", "bad \xff\xfe utf8", "sep \u2028 \u2029", "héllo wörld ✓ 日本",
	"DEL \x7f", "exec: \"/no/such\": stat /no/such: no such file or directory",
}

func randomString(rng *rand.Rand) string {
	if rng.IntN(4) == 0 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	}
	return testStrings[rng.IntN(len(testStrings))]
}

func randomInt(rng *rand.Rand) int64 {
	switch rng.IntN(5) {
	case 0:
		return 0
	case 1:
		return -rng.Int64N(1 << 40)
	case 2:
		return math.MaxInt64 - rng.Int64N(3)
	default:
		return rng.Int64N(1 << 22)
	}
}

var testFloats = []float64{
	0, math.Copysign(0, -1), 1, -3, 1.5, 0.1, 1e-6, 9.99e-7, 1e-7, 1e-9, 1e-10, 1e-300,
	5e-324, 1e20, 1e21, 1.5e21, 1e100, math.MaxFloat64, 123456.789012345, 2.5e-8,
}

func randomFloat(rng *rand.Rand) float64 {
	if rng.IntN(2) == 0 {
		return testFloats[rng.IntN(len(testFloats))]
	}
	return (rng.Float64() - 0.2) * math.Pow(10, float64(rng.IntN(30)-10))
}

func randomTime(rng *rand.Rand) time.Time {
	zones := []*time.Location{
		time.UTC, time.Local, time.FixedZone("", 5*3600+1800), time.FixedZone("X", -7*3600),
		time.FixedZone("Y", 45), // seconds in the offset: RFC 3339 cannot say them
	}
	if rng.IntN(10) == 0 {
		return time.Time{}
	}
	t := time.Unix(rng.Int64N(5e9)-1e9, 0)
	switch rng.IntN(3) {
	case 0:
		t = t.Add(time.Duration(rng.IntN(1e9)))
	case 1:
		t = t.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
	}
	return t.In(zones[rng.IntN(len(zones))])
}

// TestMarshalStatusesIsJSONs checks marshalStatuses against json.Marshal,
// byte for byte, on random statuses.
func TestMarshalStatusesIsJSONs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	for round := range 2000 {
		l := randomStatuses(t, rng, rng.IntN(4))
		if round%7 == 0 {
			l = nil
		}
		want, wantErr := json.Marshal(l)
		got, err := marshalStatuses(l)
		if err != nil || wantErr != nil {
			t.Fatalf("round %d: error %v, json's %v", round, err, wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("round %d: differs from json.Marshal\n got: %s\nwant: %s\nvalue: %#v", round, got, want, l)
		}
		for i := range l {
			want, _ := json.Marshal(l[i])
			if got, err := marshalStatus(&l[i]); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("round %d, status %d: %s, %v; json.Marshal gives %s", round, i, got, err, want)
			}
		}
	}
}

// TestMarshalStatusesRefusesAsJSON checks that the values json refuses get
// json's error.
func TestMarshalStatusesRefusesAsJSON(t *testing.T) {
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, st := range []ServiceStatus{
		{Name: "nan", UptimeSeconds: math.NaN()},
		{Name: "inf", UptimeSeconds: math.Inf(-1)},
		{Name: "year", StartedAt: &late},
		{Name: "exit", LastExit: &ExitInfo{Time: late}},
	} {
		l := []ServiceStatus{{Name: "fine"}, st}
		_, wantErr := json.Marshal(l)
		_, err := marshalStatuses(l)
		if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
			t.Errorf("%s: error %v, json.Marshal's %v", st.Name, err, wantErr)
		}
		if _, err := marshalStatus(&st); err == nil {
			t.Errorf("%s: marshalStatus encoded what json refuses", st.Name)
		}
	}
}

// BenchmarkMarshalStatuses encodes 1000 statuses as superd answers a list:
// with marshalStatuses and, for comparison, json.Marshal.
func BenchmarkMarshalStatuses(b *testing.B) {
	l := make([]ServiceStatus, 1000)
	started := time.Now().Add(-time.Hour)
	for i := range l {
		code := 1
		l[i] = ServiceStatus{
			Name: fmt.Sprintf("s%d", i), State: StateRunning, PID: 10000 + i,
			StartedAt: &started, UptimeSeconds: 3600.123456789, Restarts: i % 3,
		}
		if i%2 == 0 {
			l[i].LastExit = &ExitInfo{Code: &code, Time: started}
		}
	}
	for _, enc := range []struct {
		name string
		fn   func([]ServiceStatus) ([]byte, error)
	}{
		{"fast", marshalStatuses},
		{"json", func(l []ServiceStatus) ([]byte, error) { return json.Marshal(l) }},
	} {
		b.Run(enc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := enc.fn(l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
