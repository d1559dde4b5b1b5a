//go:build !linux

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "superbench: Linux only (it measures through /proc)")
	os.Exit(1)
}
