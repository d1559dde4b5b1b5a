//go:build linux

package runstate

import "testing"

// BenchmarkFindMarked times the start-up's scan of every process of the
// machine for a marker none carries: a first look at each environment.
func BenchmarkFindMarked(b *testing.B) {
	for b.Loop() {
		if _, _, err := findMarked([]string{"no-such-marker"}); err != nil {
			b.Fatal(err)
		}
	}
}
