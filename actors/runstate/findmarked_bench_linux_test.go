//go:build linux

package runstate

import (
	"math"
	"testing"
)

// BenchmarkFindMarked times the start-up's scan of every process of the
// machine for a marker none carries: a first look at each environment.
func BenchmarkFindMarked(b *testing.B) {
	for b.Loop() {
		if _, _, err := findLeftovers([]string{"no-such-marker"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindLeftovers times the start-up's scan with records of this
// boot to match too: a first look at each environment, then at each
// stdout and stderr.
func BenchmarkFindLeftovers(b *testing.B) {
	pipes := map[uint64]*pipeOwner{math.MaxUint64: {service: "none"}}
	for b.Loop() {
		if _, _, err := findLeftovers([]string{"no-such-marker"}, pipes); err != nil {
			b.Fatal(err)
		}
	}
}
