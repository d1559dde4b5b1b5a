package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestMarshalStatusesIsJSONs checks appendStatuses against json.Marshal,
// byte for byte, on random statuses.
func TestMarshalStatusesIsJSONs(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(1, seed))
	for round := range 2000 {
		var l []ServiceStatus // nil now and then
		if round%7 != 0 {
			l = make([]ServiceStatus, rng.IntN(4))
		}
		for i := range l {
			l[i] = randomStatus(rng)
		}
		if round == 1 { // year 0, which the generator does not make
			year0 := time.Date(0, 2, 29, 23, 59, 59, 1, time.FixedZone("", -(23*3600+59*60)))
			l = append(l, ServiceStatus{Name: "year0", StartedAt: &year0, LastExit: &ExitInfo{Time: year0}})
		}
		want, wantErr := json.Marshal(l)
		got, err := appendStatuses(nil, l)
		if err != nil || wantErr != nil {
			t.Fatalf("seed %d, round %d: error %v, json's %v", seed, round, err, wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("seed %d, round %d: differs from json.Marshal\n got: %s\nwant: %s\nvalue: %#v", seed, round, got, want, l)
		}
		for i := range l {
			want, _ := json.Marshal(l[i])
			if got, err := marshalStatus(&l[i]); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("seed %d, round %d, status %d: %s, %v; json.Marshal gives %s", seed, round, i, got, err, want)
			}
		}
	}
}

// TestMarshalStatusesRefusesAsJSON checks that the values json refuses get
// json's error.
func TestMarshalStatusesRefusesAsJSON(t *testing.T) {
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	offDay := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)) // an offset RFC 3339 cannot say
	for _, st := range []ServiceStatus{
		{Name: "nan", UptimeSeconds: math.NaN()},
		{Name: "inf", UptimeSeconds: math.Inf(-1)},
		{Name: "year", StartedAt: &late},
		{Name: "exit", LastExit: &ExitInfo{Time: late}},
		{Name: "zone", StartedAt: &offDay},
	} {
		l := []ServiceStatus{{Name: "fine"}, st}
		_, wantErr := json.Marshal(l)
		_, err := appendStatuses(nil, l)
		if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
			t.Errorf("%s: error %v, json.Marshal's %v", st.Name, err, wantErr)
		}
		if _, err := marshalStatus(&st); err == nil {
			t.Errorf("%s: marshalStatus encoded what json refuses", st.Name)
		}
	}
}

// BenchmarkMarshalStatuses encodes 1000 statuses as superd answers a list:
// with appendStatuses and, for comparison, json.Marshal.
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
		{"fast", func(l []ServiceStatus) ([]byte, error) { return appendStatuses(nil, l) }},
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
