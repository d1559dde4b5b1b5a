// Command nop does nothing: superbench times how long running it takes,
// the floor of any command-line tool written in Go (supers included) on
// the machine, next to /bin/true, the floor of any program.
package main

func main() {}
