//go:build race

package main

// raceEnabled makes the integration tests build the binaries with -race too.
const raceEnabled = true
